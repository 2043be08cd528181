// Purchase orders to suppliers, newest first, filtered by status in the query string.
import { keepPreviousData, useQuery } from '@tanstack/react-query';
import { Link, useSearchParams } from 'react-router';
import { queries } from '../api/queries';
import type { PurchaseOrderStatus } from '../api/types';
import { Empty, ErrorNotice, Loading } from '../components/Feedback';
import { PageHeading } from '../components/Page';
import { Pager, usePageCursor } from '../components/Pager';
import { TimeAgo } from '../components/Status';
import { TableWrap } from '../components/TableWrap';
import { money } from '../format';

export const PO_STATUSES: PurchaseOrderStatus[] = ['draft', 'ordered', 'partially_received', 'received', 'closed', 'cancelled'];

/** "partially_received" → "partially received": the pill's words. */
export const statusLabel = (s: string) => s.replace(/_/g, ' ');

export default function Purchasing() {
  const [params, setParams] = useSearchParams();
  const status = params.get('status') ?? '';
  const [cursor, next, prev, hasPrev] = usePageCursor();
  const { data, error, isLoading, refetch } = useQuery({ ...queries.purchaseOrders(status, cursor), placeholderData: keepPreviousData });
  return (
    <div className="page">
      <header className="page-head">
        <PageHeading title="Purchasing" />
        <Link className="button secondary" to="/restock">
          From restock advice
        </Link>
      </header>
      <div className="filters" role="group" aria-label="Filter by status">
        {['', ...PO_STATUSES].map((s) => (
          <button
            key={s || 'all'}
            type="button"
            className={`chip${s === status ? ' active' : ''}`}
            aria-pressed={s === status}
            onClick={() => setParams(s ? { status: s } : {})}
          >
            {s ? statusLabel(s) : 'all'}
          </button>
        ))}
      </div>
      {isLoading ? (
        <Loading />
      ) : error ? (
        <ErrorNotice error={error} retry={() => void refetch()} />
      ) : !data?.items.length ? (
        <Empty>
          {status ? `No ${statusLabel(status)} purchase orders.` : 'No purchase orders yet — '}
          {!status && <Link to="/restock">create them from the restock advice</Link>}
        </Empty>
      ) : (
        <>
          <TableWrap label="Purchase orders">
            <table>
              <thead>
                <tr>
                  <th>Number</th><th>Supplier</th><th>Status</th><th className="num hide-sm">Units</th>
                  <th className="num">Total</th><th className="hide-sm">Expected</th><th className="hide-sm">Created</th>
                </tr>
              </thead>
              <tbody>
                {data.items.map((po) => {
                  const ordered = po.lines.reduce((n, l) => n + l.quantity_ordered, 0);
                  const received = po.lines.reduce((n, l) => n + l.quantity_received, 0);
                  return (
                    <tr key={po.id}>
                      <td><Link to={`/purchasing/${po.id}`} className="order-no">{po.number}</Link></td>
                      <td>{po.supplier_name}</td>
                      <td><span className={`pill pill-${po.status}`}>{statusLabel(po.status)}</span></td>
                      <td className="num hide-sm">{received ? `${received} / ${ordered}` : ordered}</td>
                      <td className="num">{money(po.total_cents, po.currency)}</td>
                      <td className="hide-sm">{po.expected_at ? <TimeAgo at={po.expected_at} /> : '—'}</td>
                      <td className="hide-sm"><TimeAgo at={po.created_at} /></td>
                    </tr>
                  );
                })}
              </tbody>
            </table>
          </TableWrap>
          <Pager nextCursor={data.next_cursor ?? null} onNext={next} onPrev={prev} hasPrev={hasPrev} />
        </>
      )}
    </div>
  );
}
