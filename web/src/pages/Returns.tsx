// Returns, newest first, filtered by status in the query string; staff receive each line as
// restocked or damaged, or reject the return with a reason.
import { keepPreviousData, useQuery } from '@tanstack/react-query';
import { useState } from 'react';
import { Link, useSearchParams } from 'react-router';
import { queries } from '../api/queries';
import type { OrderReturn, ReturnStatus } from '../api/types';
import { Empty, ErrorNotice, Loading } from '../components/Feedback';
import { ReturnPill } from '../components/OrderReturns';
import { PageHeading } from '../components/Page';
import { Pager, usePageCursor } from '../components/Pager';
import { ReceiveReturnDialog, RejectReturnDialog } from '../components/ReceiveReturnDialog';
import { ReturnLines } from '../components/ReturnLines';
import { TimeAgo } from '../components/Status';
import { TableWrap } from '../components/TableWrap';
import { money } from '../format';

export const RETURN_STATUSES: ReturnStatus[] = ['requested', 'received', 'rejected'];

export default function Returns() {
  const [params, setParams] = useSearchParams();
  const status = params.get('status') ?? '';
  const [cursor, next, prev, hasPrev] = usePageCursor();
  const { data, error, isLoading, refetch } = useQuery({ ...queries.returns(status, cursor), placeholderData: keepPreviousData });
  const [receiving, setReceiving] = useState<OrderReturn | null>(null);
  const [rejecting, setRejecting] = useState<OrderReturn | null>(null);
  return (
    <div className="page">
      <header className="page-head">
        <PageHeading title="Returns" />
      </header>
      <div className="filters" role="group" aria-label="Filter by status">
        {['', ...RETURN_STATUSES].map((s) => (
          <button
            key={s || 'all'}
            type="button"
            className={`chip${s === status ? ' active' : ''}`}
            aria-pressed={s === status}
            onClick={() => setParams(s ? { status: s } : {})}
          >
            {s || 'all'}
          </button>
        ))}
      </div>
      {isLoading ? (
        <Loading />
      ) : error ? (
        <ErrorNotice error={error} retry={() => void refetch()} />
      ) : !data?.items.length ? (
        <Empty>{status ? `No ${status} returns.` : 'No returns yet — customers request them from their delivered orders.'}</Empty>
      ) : (
        <>
          <TableWrap label="Returns">
            <table>
              <thead>
                <tr>
                  <th>Order</th><th>Status</th><th>Items</th><th className="hide-sm">Reason</th><th className="num">Refund</th>
                  <th className="hide-sm">Requested</th><th><span className="visually-hidden">Actions</span></th>
                </tr>
              </thead>
              <tbody>
                {data.items.map((r) => (
                  <tr key={r.id}>
                    <td>
                      <Link className="order-no" to={`/orders/${r.order_id}`}>{r.order_number}</Link>
                    </td>
                    <td><ReturnPill status={r.status} /></td>
                    <td><ReturnLines ret={r} /></td>
                    <td className="hide-sm">
                      {r.reason}
                      {r.reject_reason && <span className="muted small description">Rejected: {r.reject_reason}</span>}
                    </td>
                    <td className="num">{r.status === 'rejected' ? <span className="muted">—</span> : money(r.refund_cents, r.currency)}</td>
                    <td className="hide-sm"><TimeAgo at={r.created_at} /></td>
                    <td>
                      {r.status === 'requested' && (
                        <span className="row-actions">
                          <button type="button" onClick={() => setReceiving(r)} aria-label={`Receive return for ${r.order_number}`}>
                            Receive
                          </button>
                          <button type="button" className="secondary" onClick={() => setRejecting(r)} aria-label={`Reject return for ${r.order_number}`}>
                            Reject
                          </button>
                        </span>
                      )}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </TableWrap>
          <Pager nextCursor={data.next_cursor ?? null} onNext={next} onPrev={prev} hasPrev={hasPrev} />
        </>
      )}
      <ReceiveReturnDialog ret={receiving} onClose={() => setReceiving(null)} />
      <RejectReturnDialog ret={rejecting} onClose={() => setRejecting(null)} />
    </div>
  );
}

