// The events service's calls (audit log, webhooks, notifications), apart from their query options in
// ./events so tests can replace the calls alone.
import { http } from './client';
import type { components } from './schema';
import type { Page, User } from './types';

type Schemas = components['schemas'];
export type AuditEntry = Schemas['AuditEntry'];
export type Webhook = Schemas['Webhook'];
export type CreatedWebhook = Schemas['CreatedWebhook'];
export type DeliveryAttempt = Schemas['DeliveryAttempt'];
export type Notification = Schemas['Page_Notification']['items'][number];
export type NotificationSettings = Schemas['NotificationSettings'];
export type Recipient = Schemas['Recipient'];

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
  notifications: (cursor?: string) =>
    data(http.get<Page<Notification>>('/api/notifications', { params: { cursor, limit: 50 } })),
  notificationSettings: () => data(http.get<NotificationSettings>('/api/notifications/settings')),
  putNotificationSettings: (body: NotificationSettings) =>
    data(http.put<NotificationSettings>('/api/notifications/settings', body)),
  /** Everyone who may get staff emails: staff and admins (auth's user list, one call per role). */
  staffAndAdmins: async () => {
    const [staff, admins] = await Promise.all(
      (['staff', 'admin'] as const).map((role) => data(http.get<Page<User>>('/api/auth/users', { params: { role, limit: 100 } }))),
    );
    return [...admins.items, ...staff.items].sort((a, b) => a.name.localeCompare(b.name) || a.email.localeCompare(b.email));
  },
};

