// The one HTTP client: the access token lives in memory only and is refreshed shortly
// before it expires; a 401 triggers one refresh and a retry; every error becomes an ApiError.
import axios, { AxiosError, type AxiosInstance, type InternalAxiosRequestConfig } from 'axios';
import type { Session } from './types';

export interface FieldErrors {
  [field: string]: string;
}

/** A failed request, from the API's problem+json or from the network. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly type: string,
    readonly title: string,
    readonly detail: string,
    readonly fieldErrors: FieldErrors = {},
    readonly requestId?: string,
    readonly retryAfter?: number,
  ) {
    super(detail || title);
  }

  /** A sentence a person can act on. */
  get friendly(): string {
    if (this.status === 0) return 'Cannot reach Stockroom. Check your connection and try again.';
    if (this.status === 503) return `${this.detail || 'A service is unavailable'}.`.replace(/\.\.$/, '.');
    if (this.status === 429) return `Too many requests. Try again in ${this.retryAfter ?? 1} s.`;
    return this.detail || this.title;
  }
}

interface Problem {
  type?: string;
  title?: string;
  status?: number;
  detail?: string;
  request_id?: string;
  errors?: { field: string; message: string }[];
}

export function toApiError(error: unknown): ApiError {
  if (error instanceof ApiError) return error;
  if (axios.isAxiosError(error)) {
    const response = error.response;
    if (!response) return new ApiError(0, '/problems/network', 'Network error', 'Cannot reach Stockroom');
    const body = (typeof response.data === 'object' && response.data ? response.data : {}) as Problem;
    const fieldErrors: FieldErrors = {};
    for (const e of body.errors ?? []) fieldErrors[e.field] = e.message;
    const retryAfter = Number(response.headers?.['retry-after']) || undefined;
    return new ApiError(
      response.status,
      body.type ?? `/problems/http-${response.status}`,
      body.title ?? response.statusText ?? 'Error',
      body.detail ?? '',
      fieldErrors,
      body.request_id,
      retryAfter,
    );
  }
  return new ApiError(0, '/problems/unknown', 'Error', error instanceof Error ? error.message : String(error));
}

type Listener = (session: Session | null) => void;

const REFRESH_KEY = 'stockroom.refresh';

/** Holds the session and keeps the access token fresh. */
export class SessionStore {
  private session: Session | null = null;
  private timer: ReturnType<typeof setTimeout> | undefined;
  private refreshing: Promise<Session | null> | null = null;
  private listeners = new Set<Listener>();

  constructor(private readonly http: AxiosInstance) {}

  get current(): Session | null {
    return this.session;
  }

  get token(): string | null {
    return this.session?.access_token ?? null;
  }

  subscribe(listener: Listener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  set(session: Session | null): void {
    this.session = session;
    clearTimeout(this.timer);
    if (session) {
      // The refresh token survives a reload of this tab only; the access token never leaves memory.
      sessionStorage.setItem(REFRESH_KEY, session.refresh_token);
      const lead = Math.max(5, Math.min(60, session.expires_in * 0.2));
      this.timer = setTimeout(() => void this.refresh(), Math.max(1, session.expires_in - lead) * 1000);
    } else {
      sessionStorage.removeItem(REFRESH_KEY);
    }
    this.listeners.forEach((l) => l(session));
  }

  /** Trades the refresh token for a new pair; concurrent callers share one request. */
  refresh(): Promise<Session | null> {
    const refreshToken = this.session?.refresh_token ?? sessionStorage.getItem(REFRESH_KEY);
    if (!refreshToken) return Promise.resolve(null);
    this.refreshing ??= this.http
      .post<Session>('/api/auth/refresh', { refresh_token: refreshToken }, { skipAuth: true } as object)
      .then((r) => {
        this.set(r.data);
        return r.data;
      })
      .catch(() => {
        this.set(null);
        return null;
      })
      .finally(() => {
        this.refreshing = null;
      });
    return this.refreshing;
  }
}

interface RetryConfig extends InternalAxiosRequestConfig {
  skipAuth?: boolean;
  retried?: boolean;
}

export function createClient(baseURL = ''): { http: AxiosInstance; session: SessionStore } {
  const http = axios.create({ baseURL, timeout: 20000 });
  const session = new SessionStore(http);
  http.interceptors.request.use((config: RetryConfig) => {
    const token = session.token;
    if (token && !config.skipAuth) config.headers.set('Authorization', `Bearer ${token}`);
    return config;
  });
  http.interceptors.response.use(undefined, async (error: AxiosError) => {
    const config = error.config as RetryConfig | undefined;
    if (error.response?.status === 401 && config && !config.skipAuth && !config.retried) {
      const renewed = await session.refresh();
      if (renewed) {
        config.retried = true;
        return http.request(config);
      }
    }
    throw toApiError(error);
  });
  return { http, session };
}

export const { http, session } = createClient();
