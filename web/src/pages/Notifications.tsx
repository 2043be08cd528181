// Notifications (admin): choose which staff get the low-stock digest and new-order alerts, and
// read the log of emails sent, queued, or recorded without sending.
import { keepPreviousData, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState, type FormEvent } from 'react';
import { eventQueries, eventsApi, type NotificationSettings, type Recipient } from '../api/events';
import type { User } from '../api/types';
import { Empty, ErrorNotice, Loading, useToast } from '../components/Feedback';
import { useSubmit } from '../components/Form';
import { PageHeading } from '../components/Page';
import { Pager, usePageCursor } from '../components/Pager';
import { StatusPill, TimeAgo } from '../components/Status';
import { TableWrap } from '../components/TableWrap';

type List = keyof NotificationSettings;
const LISTS: { list: List; label: string }[] = [
  { list: 'low_stock_digest', label: 'Low-stock digest' },
  { list: 'new_order_alert', label: 'New-order alerts' },
];

/** Who is ticked for each list, by user id. */
type Chosen = Record<List, Set<string>>;

interface Person {
  id: string;
  name: string;
  email: string;
  /** Why this person may not get mail although ticked: disabled, or no longer staff. */
  note?: string;
}

const chosenOf = (s: NotificationSettings): Chosen => ({
  low_stock_digest: new Set(s.low_stock_digest.map((r) => r.user_id)),
  new_order_alert: new Set(s.new_order_alert.map((r) => r.user_id)),
});

/**
 * Staff and admins, plus anyone the settings still name who is neither any more (a role
 * changed since): they stay listed, so saving never drops them unseen and they can be unticked.
 */
function peopleOf(users: User[], settings: NotificationSettings): Person[] {
  const people: Person[] = users.map((u) => ({ id: u.id, name: u.name, email: u.email, note: u.disabled ? 'disabled' : undefined }));
  const known = new Set(people.map((p) => p.id));
  for (const r of [...settings.low_stock_digest, ...settings.new_order_alert]) {
    if (known.has(r.user_id)) continue;
    known.add(r.user_id);
    people.push({ id: r.user_id, name: r.email, email: r.email, note: 'no longer staff' });
  }
  return people;
}

function bodyOf(people: Person[], chosen: Chosen): NotificationSettings {
  const of = (list: List): Recipient[] => people.filter((p) => chosen[list].has(p.id)).map((p) => ({ user_id: p.id, email: p.email }));
  return { low_stock_digest: of('low_stock_digest'), new_order_alert: of('new_order_alert') };
}

/** The API's field errors (`new_order_alert[2].email`) by the user id the body had at that index. */
function rowErrors(fieldErrors: Record<string, string>, body: NotificationSettings) {
  const byUser = new Map<string, string>();
  const other: string[] = [];
  for (const [field, message] of Object.entries(fieldErrors)) {
    const m = /^(low_stock_digest|new_order_alert)\[(\d+)\]\.(\w+)$/.exec(field);
    const recipient = m ? body[m[1] as List][Number(m[2])] : undefined;
    if (recipient) byUser.set(recipient.user_id, `${m![3] === 'email' ? recipient.email : 'This person'} ${message}`);
    else other.push(`${field}: ${message}`);
  }
  return { byUser, other };
}

function Recipients() {
  const toast = useToast();
  const queryClient = useQueryClient();
  const settings = useQuery(eventQueries.notificationSettings());
  const users = useQuery(eventQueries.staffAndAdmins());
  const [draft, setDraft] = useState<Chosen | null>(null);
  const [sent, setSent] = useState<NotificationSettings | null>(null);
  const people = settings.data && users.data ? peopleOf(users.data, settings.data) : [];
  const chosen = draft ?? (settings.data ? chosenOf(settings.data) : null);
  const { error, busy, onSubmit } = useSubmit(async () => {
    if (!chosen) return;
    const body = bodyOf(people, chosen);
    setSent(body);
    const saved = await eventsApi.putNotificationSettings(body);
    queryClient.setQueryData(eventQueries.notificationSettings().queryKey, saved);
    setDraft(null);
    const count = (l: Recipient[]) => `${l.length} ${l.length === 1 ? 'person' : 'people'}`;
    toast(`Saved: low-stock digest to ${count(saved.low_stock_digest)}, new-order alerts to ${count(saved.new_order_alert)}`);
  });
  if (settings.isLoading || users.isLoading) return <Loading label="Loading who gets emails" />;
  if (settings.error || users.error)
    return <ErrorNotice error={settings.error ?? users.error} retry={() => void Promise.all([settings.refetch(), users.refetch()])} />;
  if (!chosen || !people.length) return <Empty>No staff or admins yet — make someone staff on the Users page to send them emails.</Empty>;
  const stored = settings.data ? chosenOf(settings.data) : chosen;
  const dirty = LISTS.some(({ list }) => chosen[list].size !== stored[list].size || [...chosen[list]].some((id) => !stored[list].has(id)));
  const errors = error && sent ? rowErrors(error.fieldErrors, sent) : null;
  const toggle = (list: List, id: string, on: boolean) => {
    const next = { ...chosen, [list]: new Set(chosen[list]) };
    if (on) next[list].add(id);
    else next[list].delete(id);
    setDraft(next);
  };
  return (
    <form onSubmit={(e: FormEvent) => void onSubmit(e)} className="form">
      <TableWrap label="Staff and their emails">
        <table>
          <thead>
            <tr>
              <th>Name</th>
              <th className="hide-sm">Email</th>
              {LISTS.map((l) => <th key={l.list}>{l.label}</th>)}
            </tr>
          </thead>
          <tbody>
            {people.map((p) => (
              <tr key={p.id}>
                <td>
                  {p.name}
                  {p.note && <span className="muted small"> ({p.note})</span>}
                  <span className="show-sm muted small">{p.email}</span>
                  {errors?.byUser.get(p.id) && <span className="field-error cell-error" role="alert">{errors.byUser.get(p.id)}</span>}
                </td>
                <td className="hide-sm">{p.email}</td>
                {LISTS.map((l) => (
                  <td key={l.list}>
                    <input
                      type="checkbox"
                      aria-label={`${l.label} for ${p.email}`}
                      checked={chosen[l.list].has(p.id)}
                      onChange={(e) => toggle(l.list, p.id, e.target.checked)}
                    />
                  </td>
                ))}
              </tr>
            ))}
          </tbody>
        </table>
      </TableWrap>
      {error && !errors?.byUser.size && (
        <p className="field-error" role="alert">{errors?.other.length ? errors.other.join('; ') : error.friendly}</p>
      )}
      <div className="actions">
        <button type="submit" disabled={busy}>{busy ? 'Saving…' : 'Save'}</button>
        {dirty && !busy && <span className="muted small">Unsaved changes</span>}
      </div>
    </form>
  );
}

function EmailLog() {
  const [cursor, next, prev, hasPrev] = usePageCursor();
  const { data, error, isLoading, refetch } = useQuery({ ...eventQueries.notifications(cursor), placeholderData: keepPreviousData });
  if (isLoading) return <Loading label="Loading the email log" />;
  if (error) return <ErrorNotice error={error} retry={() => void refetch()} />;
  if (!data?.items.length)
    return <Empty>No emails yet. Order confirmations, shipping notices and the staff emails chosen above appear here.</Empty>;
  return (
    <TableWrap label="Email log">
      <table>
        <thead>
          <tr>
            <th>When</th>
            <th className="hide-sm">To</th>
            <th>Subject</th>
            <th className="hide-sm">Template</th>
            <th>Status</th>
            <th className="hide-sm">Error</th>
          </tr>
        </thead>
        <tbody>
          {data.items.map((n) => (
            <tr key={n.id}>
              <td><TimeAgo at={n.created_at} /></td>
              <td className="hide-sm">{n.to}</td>
              <td>
                {n.subject}
                <span className="show-sm muted small">{n.to}</span>
                {n.error && <span className="show-sm muted small">{n.error}</span>}
              </td>
              <td className="hide-sm"><code>{n.template}</code></td>
              <td>
                <StatusPill status={n.status} />
                {n.attempts > 1 && <span className="muted small"> ({n.attempts} tries)</span>}
              </td>
              <td className="hide-sm notification-error small">{n.error ?? ''}</td>
            </tr>
          ))}
        </tbody>
      </table>
      <Pager nextCursor={data.next_cursor ?? null} onNext={next} onPrev={prev} hasPrev={hasPrev} />
    </TableWrap>
  );
}

export default function Notifications() {
  return (
    <div className="page">
      <header className="page-head"><PageHeading title="Notifications" /></header>
      <section aria-labelledby="recipients-heading">
        <h2 id="recipients-heading">Who gets emails</h2>
        <p className="muted">
          The low-stock digest lists the products that ran low since the last one and goes out once a day
          (<code>LOW_STOCK_DIGEST_INTERVAL_SECS</code>); new-order alerts go out for each confirmed order. Without SMTP
          configured, emails are recorded below as “not sent”.
        </p>
        <Recipients />
      </section>
      <section aria-labelledby="log-heading">
        <h2 id="log-heading">Sent and queued</h2>
        <EmailLog />
      </section>
    </div>
  );
}
