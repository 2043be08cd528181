// The audit log (admin): every event with its actor, newest first, filtered by the query
// string (so a filtered view can be shared), paged, and exported as CSV with the same filters.
import { keepPreviousData, useQuery } from '@tanstack/react-query';
import { useState, type FormEvent } from 'react';
import { useSearchParams } from 'react-router';
import { toApiError } from '../api/client';
import { AUDIT_FILTERS, auditFilterOf, eventQueries, eventsApi, type AuditEntry, type AuditFilter } from '../api/events';
import { Empty, ErrorNotice, Loading, useToast } from '../components/Feedback';
import { PageHeading } from '../components/Page';
import { Pager, usePageCursor } from '../components/Pager';
import { TableWrap } from '../components/TableWrap';
import { TimeAgo } from '../components/Status';
import { details } from '../components/auditDetails';

const LABELS: Record<keyof AuditFilter, string> = {
  actor: 'Actor (email, user id or service)',
  entity_kind: 'Entity kind',
  entity_id: 'Entity id',
  type: 'Type (order.confirmed or order.*)',
  from: 'From',
  to: 'To',
};

function actorOf(e: AuditEntry): string {
  return e.actor.email ?? e.actor.user_id ?? e.actor.service;
}

export default function Audit() {
  const [params, setParams] = useSearchParams();
  const filter = auditFilterOf(params);
  const [draft, setDraft] = useState<AuditFilter>(filter);
  const [cursor, next, prev, hasPrev] = usePageCursor();
  const toast = useToast();
  const { data, error, isLoading, refetch } = useQuery({ ...eventQueries.audit(filter, cursor), placeholderData: keepPreviousData });
  const apply = (e: FormEvent) => {
    e.preventDefault();
    const p = new URLSearchParams();
    for (const k of AUDIT_FILTERS) if (draft[k]?.trim()) p.set(k, draft[k]!.trim());
    setParams(p);
  };
  const exportCsv = async () => {
    try {
      const csv = await eventsApi.auditCsv(filter);
      const url = URL.createObjectURL(new Blob([csv], { type: 'text/csv' }));
      const a = document.createElement('a');
      a.href = url;
      a.download = 'audit.csv';
      a.click();
      URL.revokeObjectURL(url);
    } catch (err) {
      toast(toApiError(err).friendly, 'error');
    }
  };
  return (
    <div className="page">
      <header className="page-head">
        <PageHeading title="Audit log" />
        <button type="button" className="secondary" onClick={() => void exportCsv()}>
          Export CSV
        </button>
      </header>
      <form className="filters audit-filters" role="search" aria-label="Filter the audit log" onSubmit={apply}>
        {AUDIT_FILTERS.map((k) => (
          <label key={k} className="field">
            <span>{LABELS[k]}</span>
            <input
              name={k}
              type={k === 'from' || k === 'to' ? 'datetime-local' : 'text'}
              value={draft[k] ?? ''}
              onChange={(e) => setDraft({ ...draft, [k]: e.target.value })}
            />
          </label>
        ))}
        <button type="submit">Filter</button>
        {AUDIT_FILTERS.some((k) => filter[k]) && (
          <button
            type="button"
            className="secondary"
            onClick={() => {
              setDraft({});
              setParams({});
            }}
          >
            Clear
          </button>
        )}
      </form>
      {isLoading ? (
        <Loading />
      ) : error ? (
        <ErrorNotice error={error} retry={() => void refetch()} />
      ) : !data?.items.length ? (
        <Empty>No events match. Events appear here as users sign in, register and change things.</Empty>
      ) : (
        <TableWrap label="Audit log">
          <table>
            <thead>
              <tr>
                <th>When</th>
                <th>Event</th>
                <th className="hide-sm">Actor</th>
                <th className="hide-sm">Entity</th>
                <th className="hide-sm">Details</th>
              </tr>
            </thead>
            <tbody>
              {data.items.map((e) => (
                <tr key={e.id}>
                  <td><TimeAgo at={e.occurred_at} /></td>
                  <td>
                    <code>{e.type}</code>
                    <span className="show-sm muted small">{actorOf(e)}</span>
                  </td>
                  <td className="hide-sm">
                    {actorOf(e)}
                    <span className="muted small"> via {e.actor.service}</span>
                  </td>
                  <td className="hide-sm">
                    {e.entity.kind} <span className="muted small">{e.entity.id}</span>
                  </td>
                  <td className="hide-sm audit-details small">
                    {details(e.data).map((line, i) => <div key={i}>{line}</div>)}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
          <Pager nextCursor={data.next_cursor ?? null} onNext={next} onPrev={prev} hasPrev={hasPrev} />
        </TableWrap>
      )}
    </div>
  );
}
