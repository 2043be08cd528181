// Webhooks (admin): subscribe a URL to events, see the signing secret once, switch a webhook
// on and off, send a test ping, and read its delivery log.
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { useSearchParams } from 'react-router';
import { toApiError } from '../api/client';
import { eventQueries, eventsApi, patternsOf, type CreatedWebhook, type Webhook } from '../api/events';
import { useConfirm } from '../components/Dialog';
import { Empty, ErrorNotice, Loading, useToast } from '../components/Feedback';
import { Field, useSubmit } from '../components/Form';
import { PageHeading } from '../components/Page';
import { TableWrap } from '../components/TableWrap';
import { StatusPill, TimeAgo } from '../components/Status';

function NewWebhook({ onCreated }: { onCreated: (w: CreatedWebhook) => void }) {
  const [url, setUrl] = useState('');
  const [events, setEvents] = useState('order.*');
  const { error, busy, onSubmit } = useSubmit(async () => {
    const created = await eventsApi.createWebhook({ url: url.trim(), events: patternsOf(events) });
    setUrl('');
    onCreated(created);
  });
  const eventsError = error ? Object.entries(error.fieldErrors).find(([f]) => f.startsWith('events'))?.[1] : undefined;
  return (
    <form className="card form-inline" aria-label="Add a webhook" onSubmit={(e) => void onSubmit(e)}>
      <Field label="Receiver URL" error={error?.fieldErrors.url} hint="https://, reachable from the internet">
        {(p) => <input {...p} name="url" type="url" required value={url} onChange={(e) => setUrl(e.target.value)} placeholder="https://example.com/hooks/stockroom" />}
      </Field>
      <Field label="Events" error={eventsError} hint="* for all, order.* for a family, or exact types, comma separated">
        {(p) => <input {...p} name="events" required value={events} onChange={(e) => setEvents(e.target.value)} />}
      </Field>
      {error && !Object.keys(error.fieldErrors).length && <p className="field-error" role="alert">{error.friendly}</p>}
      <button type="submit" disabled={busy}>{busy ? 'Adding…' : 'Add webhook'}</button>
    </form>
  );
}

function Deliveries({ webhook }: { webhook: Webhook }) {
  const { data, error, isLoading, refetch } = useQuery(eventQueries.deliveries(webhook.id));
  if (isLoading) return <Loading label="Loading deliveries" />;
  if (error) return <ErrorNotice error={error} retry={() => void refetch()} />;
  if (!data?.items.length) return <Empty>No deliveries to {webhook.url} yet. Send a test ping to try it.</Empty>;
  return (
    <TableWrap label={`Deliveries to ${webhook.url}`}>
      <table>
        <thead>
          <tr><th>When</th><th>Event</th><th className="num">Try</th><th>Outcome</th><th>Answer</th><th className="num hide-sm">Duration</th><th className="hide-sm">Next retry</th></tr>
        </thead>
        <tbody>
          {data.items.map((a) => (
            <tr key={a.id}>
              <td><TimeAgo at={a.attempted_at} /></td>
              <td><code>{a.event_type}</code></td>
              <td className="num">{a.attempt}</td>
              <td><StatusPill status={a.outcome} /></td>
              <td>{a.status_code ?? <span className="muted">{a.error}</span>}</td>
              <td className="num hide-sm">{a.duration_ms} ms</td>
              <td className="hide-sm">{a.next_retry_at ? <TimeAgo at={a.next_retry_at} /> : '—'}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </TableWrap>
  );
}

export default function Webhooks() {
  const toast = useToast();
  const confirm = useConfirm();
  const queryClient = useQueryClient();
  const [params, setParams] = useSearchParams();
  const [secret, setSecret] = useState<CreatedWebhook | null>(null);
  const { data, error, isLoading, refetch } = useQuery(eventQueries.webhooks());
  const refresh = () => void queryClient.invalidateQueries({ queryKey: ['webhooks'] });
  const fail = (e: unknown) => toast(toApiError(e).friendly, 'error');
  const toggle = useMutation({
    mutationFn: (w: Webhook) => eventsApi.updateWebhook(w.id, { active: !w.active }),
    onSuccess: (w) => { toast(`${w.url}: ${w.active ? 'on' : 'off'}`); refresh(); },
    onError: fail,
  });
  const ping = useMutation({
    mutationFn: (w: Webhook) => eventsApi.testWebhook(w.id),
    onSuccess: (a) => { toast(a.outcome === 'succeeded' ? `Ping delivered (${a.status_code})` : `Ping failed: ${a.error ?? a.status_code}`, a.outcome === 'succeeded' ? 'ok' : 'error'); refresh(); },
    onError: fail,
  });
  const remove = useMutation({
    mutationFn: (w: Webhook) => eventsApi.deleteWebhook(w.id),
    onSuccess: () => { toast('Webhook deleted'); refresh(); },
    onError: fail,
  });
  const selected = data?.items.find((w) => w.id === params.get('id'));
  const askDelete = async (w: Webhook) => {
    if (await confirm({ title: `Delete the webhook to ${w.url}?`, body: <p>Deliveries stop and its delivery log is deleted.</p>, action: 'Delete', danger: true })) remove.mutate(w);
  };
  return (
    <div className="page">
      <header className="page-head"><PageHeading title="Webhooks" /></header>
      <NewWebhook onCreated={(w) => { setSecret(w); refresh(); }} />
      {secret && (
        <div className="notice" role="status">
          <strong>Signing secret for {secret.url}</strong>
          <span>Copy it now: it is not shown again. Receivers check <code>Stockroom-Signature</code> with it.</span>
          <code className="secret">{secret.secret}</code>
          <button type="button" className="link" onClick={() => setSecret(null)}>I have copied it</button>
        </div>
      )}
      {isLoading ? (
        <Loading />
      ) : error ? (
        <ErrorNotice error={error} retry={() => void refetch()} />
      ) : !data?.items.length ? (
        <Empty>No webhooks yet — add a receiver URL above to get events as they happen.</Empty>
      ) : (
        <TableWrap label="Webhooks">
          <table>
            <thead><tr><th>URL</th><th className="hide-sm">Events</th><th>State</th><th>Actions</th></tr></thead>
            <tbody>
              {data.items.map((w) => (
                <tr key={w.id} aria-selected={w.id === selected?.id}>
                  <td>
                    <button type="button" className="link" onClick={() => setParams({ id: w.id })}>{w.url}</button>
                    <span className="show-sm muted small">{w.events.join(', ')}</span>
                  </td>
                  <td className="hide-sm">{w.events.map((p) => <code key={p}>{p} </code>)}</td>
                  <td>
                    <StatusPill status={w.active ? 'active' : 'inactive'} />
                    {w.failing_since && <span className="muted small"> failing since <TimeAgo at={w.failing_since} /></span>}
                  </td>
                  <td className="actions">
                    <button type="button" className="secondary" disabled={ping.isPending} onClick={() => ping.mutate(w)} aria-label={`Send a test ping to ${w.url}`}>Test</button>
                    <button type="button" className="secondary" disabled={toggle.isPending} onClick={() => toggle.mutate(w)} aria-label={`${w.active ? 'Turn off' : 'Turn on'} ${w.url}`}>{w.active ? 'Turn off' : 'Turn on'}</button>
                    <button type="button" className="danger" disabled={remove.isPending} onClick={() => void askDelete(w)} aria-label={`Delete ${w.url}`}>Delete</button>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </TableWrap>
      )}
      {selected && (
        <section aria-label="Delivery log">
          <h2>Delivery log: {selected.url}</h2>
          <Deliveries webhook={selected} />
        </section>
      )}
    </div>
  );
}
