// The events service's API (audit log, webhooks, notifications) for the admin pages: calls,
// query options and friendly type names, kept together so the pages share cache keys.
import { queryOptions } from '@tanstack/react-query';
import { eventsApi, type AuditFilter } from './eventEndpoints';

export type {
  AuditEntry, AuditFilter, CreatedWebhook, DeliveryAttempt, Notification, NotificationSettings, Recipient, Webhook,
} from './eventEndpoints';
export { eventsApi, toRfc3339 } from './eventEndpoints';

export const AUDIT_FILTERS: (keyof AuditFilter)[] = ['actor', 'entity_kind', 'entity_id', 'type', 'from', 'to'];

export function auditFilterOf(search: URLSearchParams): AuditFilter {
  const f: AuditFilter = {};
  for (const k of AUDIT_FILTERS) {
    const v = search.get(k)?.trim();
    if (v) f[k] = v;
  }
  return f;
}

export const eventQueries = {
  audit: (f: AuditFilter, cursor: string | undefined) =>
    queryOptions({ queryKey: ['audit', f, cursor], queryFn: () => eventsApi.audit(f, cursor) }),
  webhooks: () => queryOptions({ queryKey: ['webhooks'], queryFn: eventsApi.webhooks }),
  deliveries: (id: string) =>
    queryOptions({ queryKey: ['webhooks', 'deliveries', id], queryFn: () => eventsApi.deliveries(id), enabled: Boolean(id) }),
  // The log changes as mail goes out (queued → sent) with no event the UI hears, so it polls.
  notifications: (cursor: string | undefined) =>
    queryOptions({ queryKey: ['notifications', 'log', cursor], queryFn: () => eventsApi.notifications(cursor), refetchInterval: 10000 }),
  notificationSettings: () => queryOptions({ queryKey: ['notifications', 'settings'], queryFn: eventsApi.notificationSettings }),
  // Under ['users'] so a role changed on the Users page refreshes who can be chosen.
  staffAndAdmins: () => queryOptions({ queryKey: ['users', 'staff-and-admins'], queryFn: eventsApi.staffAndAdmins }),
};

/** Splits "order.*, stock.low" into patterns. */
export function patternsOf(text: string): string[] {
  return text
    .split(/[\s,]+/)
    .map((p) => p.trim())
    .filter(Boolean);
}
