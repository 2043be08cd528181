// The events service's calls (audit log, webhooks), apart from their query options in
// ./events so tests can replace the calls alone.
import { http } from './client';
import type { components } from './schema';
import type { Page } from './types';

type Schemas = components['schemas'];
export type AuditEntry = Schemas['AuditEntry'];
export type Webhook = Schemas['Webhook'];
export type CreatedWebhook = Schemas['CreatedWebhook'];
export type DeliveryAttempt = Schemas['DeliveryAttempt'];

/** The audit log's filters, as the query string carries them. */
export interface AuditFilter {
  actor?: string;
  entity_kind?: string;
  entity_id?: string;
  type?: string;
  from?: string;
  to?: string;
}

/** A `datetime-local` value (local time) as RFC 3339, or undefined when blank or invalid. */
export function toRfc3339(local: string | undefined): string | undefined {
  if (!local) return undefined;
  const t = new Date(local);
  return Number.isNaN(t.getTime()) ? undefined : t.toISOString();
}


const params = (f: AuditFilter) => ({ ...f, from: toRfc3339(f.from), to: toRfc3339(f.to) });
const data = <T,>(p: Promise<{ data: T }>) => p.then((r) => r.data);

export const eventsApi = {
  audit: (f: AuditFilter, cursor?: string) =>
    data(http.get<Page<AuditEntry>>('/api/audit', { params: { ...params(f), cursor, limit: 50 } })),
  auditCsv: (f: AuditFilter) => data(http.get<string>('/api/audit/export', { params: params(f), responseType: 'text' })),
  webhooks: () => data(http.get<Page<Webhook>>('/api/webhooks', { params: { limit: 100 } })),
  createWebhook: (body: { url: string; events: string[] }) => data(http.post<CreatedWebhook>('/api/webhooks', body)),
  updateWebhook: (id: string, body: Partial<Pick<Webhook, 'url' | 'events' | 'active'>>) =>
    data(http.patch<Webhook>(`/api/webhooks/${id}`, body)),
  deleteWebhook: (id: string) => http.delete(`/api/webhooks/${id}`),
  deliveries: (id: string) => data(http.get<Page<DeliveryAttempt>>(`/api/webhooks/${id}/deliveries`, { params: { limit: 50 } })),
  testWebhook: (id: string) => data(http.post<DeliveryAttempt>(`/api/webhooks/${id}/test`, {})),
};

