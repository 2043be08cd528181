import { http as mock, HttpResponse } from 'msw';
import { setupServer } from 'msw/node';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ApiError, createClient, toApiError } from './client';
import type { Session } from './types';

const BASE = 'http://api.test';
const server = setupServer();
beforeAll(() => server.listen({ onUnhandledRequest: 'error' }));
afterEach(() => {
  server.resetHandlers();
  sessionStorage.clear();
});
afterAll(() => server.close());

const session = (access: string, refresh: string): Session => ({
  access_token: access,
  token_type: 'Bearer',
  expires_in: 900,
  refresh_token: refresh,
  user: { id: 'u1', email: 'ana@example.com', name: 'Ana', role: 'staff', disabled: false, created_at: '2026-01-01T00:00:00Z' },
});

describe('the API client', () => {
  it('sends the access token and refreshes once on a 401, then retries', async () => {
    let refreshes = 0;
    server.use(
      mock.get(`${BASE}/api/orders`, ({ request }) =>
        request.headers.get('authorization') === 'Bearer fresh'
          ? HttpResponse.json({ items: [], next_cursor: null })
          : HttpResponse.json({ type: '/problems/unauthorized', title: 'Unauthorized', status: 401 }, { status: 401 }),
      ),
      mock.post(`${BASE}/api/auth/refresh`, async ({ request }) => {
        refreshes += 1;
        const body = (await request.json()) as { refresh_token: string };
        expect(body.refresh_token).toBe('r1');
        return HttpResponse.json(session('fresh', 'r2'));
      }),
    );
    const { http, session: store } = createClient(BASE);
    store.set(session('stale', 'r1'));
    const [a, b] = await Promise.all([http.get(`/api/orders`), http.get(`/api/orders`)]);
    expect(a.status).toBe(200);
    expect(b.status).toBe(200);
    expect(refreshes).toBe(1);
    expect(store.token).toBe('fresh');
    expect(sessionStorage.getItem('stockroom.refresh')).toBe('r2');
  });

  it('signs out when the refresh token is refused', async () => {
    server.use(
      mock.get(`${BASE}/api/auth/me`, () => HttpResponse.json({ status: 401, title: 'Unauthorized' }, { status: 401 })),
      mock.post(`${BASE}/api/auth/refresh`, () => HttpResponse.json({ status: 401, title: 'Unauthorized' }, { status: 401 })),
    );
    const { http, session: store } = createClient(BASE);
    store.set(session('stale', 'r1'));
    const seen: (Session | null)[] = [];
    store.subscribe((s) => seen.push(s));
    await expect(http.get('/api/auth/me')).rejects.toMatchObject({ status: 401 });
    expect(store.current).toBeNull();
    expect(seen.at(-1)).toBeNull();
    expect(sessionStorage.getItem('stockroom.refresh')).toBeNull();
  });

  it('maps problem+json to an ApiError with field errors', async () => {
    server.use(
      mock.post(`${BASE}/api/products`, () =>
        HttpResponse.json(
          {
            type: '/problems/validation', title: 'Validation failed', status: 422, detail: '2 fields are invalid', request_id: 'req-1',
            errors: [{ field: 'sku', message: 'must be 1 to 64 characters' }, { field: 'price_cents', message: 'must be between 0 and 1000000000000' }],
          },
          { status: 422, headers: { 'content-type': 'application/problem+json' } },
        ),
      ),
    );
    const { http } = createClient(BASE);
    const error = await http.post('/api/products', {}).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ApiError);
    const e = error as ApiError;
    expect(e.status).toBe(422);
    expect(e.type).toBe('/problems/validation');
    expect(e.fieldErrors).toEqual({ sku: 'must be 1 to 64 characters', price_cents: 'must be between 0 and 1000000000000' });
    expect(e.requestId).toBe('req-1');
  });

  it('explains 503 and network failures in words a person can act on', async () => {
    server.use(
      mock.get(`${BASE}/api/products`, () =>
        HttpResponse.json({ status: 503, title: 'Service unavailable', detail: 'the inventory service is unavailable; try again shortly' }, { status: 503, headers: { 'retry-after': '2' } }),
      ),
      mock.get(`${BASE}/api/down`, () => HttpResponse.error()),
    );
    const { http } = createClient(BASE);
    const unavailable = (await http.get('/api/products').catch((e: unknown) => e)) as ApiError;
    expect(unavailable.friendly).toContain('inventory service is unavailable');
    expect(unavailable.retryAfter).toBe(2);
    const network = (await http.get('/api/down').catch((e: unknown) => e)) as ApiError;
    expect(network.status).toBe(0);
    expect(network.friendly).toMatch(/Cannot reach Stockroom/);
    expect(toApiError(new Error('boom')).detail).toBe('boom');
  });
});
