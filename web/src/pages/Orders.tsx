import { keepPreviousData, useQuery } from '@tanstack/react-query';
import { Link, useSearchParams } from 'react-router';
import { queries } from '../api/queries';
import type { OrderStatus } from '../api/types';
import { isStaff, useAuth } from '../auth/AuthContext';
import { Empty, ErrorNotice, Loading } from '../components/Feedback';
import { PageHeading } from '../components/Page';
import { Pager, usePageCursor } from '../components/Pager';
import { TableWrap } from '../components/TableWrap';
import { StatusPill, TimeAgo } from '../components/Status';
import { money } from '../format';
import { statusLabel } from '../fulfilment';

const STATUSES: OrderStatus[] = [
  'confirmed', 'partially_fulfilled', 'fulfilled', 'delivered', 'cancelled', 'rejected', 'failed', 'pending',
];

export default function Orders() {
  const { user } = useAuth();
  const [params, setParams] = useSearchParams();
  const status = params.get('status') ?? '';
  const [cursor, next, prev, hasPrev] = usePageCursor();
  const { data, error, isLoading, refetch } = useQuery({ ...queries.orders(status, cursor), placeholderData: keepPreviousData });
  const staff = isStaff(user);
  const title = staff ? 'Orders' : 'My orders';
  return (
    <div className="page">
      <header className="page-head">
        <PageHeading title={title} />
        <Link className="button" to="/orders/new">
          New order
        </Link>
      </header>
      <div className="filters" role="group" aria-label="Filter by status">
        {['', ...STATUSES].map((s) => (
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
          {status ? `No ${statusLabel(status)} orders.` : 'No orders yet — '}
          {!status && <Link to="/orders/new">place the first one</Link>}
        </Empty>
      ) : (
        <TableWrap label={title}>
          <table>
            <thead>
              <tr>
                <th>Order</th>
                {staff && <th className="hide-sm">Customer</th>}
                <th>Status</th>
                <th className="num hide-sm">Lines</th>
                <th className="num">Total</th>
                <th className="hide-sm">Placed</th>
              </tr>
            </thead>
            <tbody>
              {data.items.map((o) => (
                <tr key={o.id}>
                  <td>
                    <Link className="order-no" to={`/orders/${o.id}`}>{o.number}</Link>
                    <span className="show-sm muted small">
                      {staff && <>{o.customer_email}<br /></>}
                      <TimeAgo at={o.created_at} />
                    </span>
                  </td>
                  {staff && <td className="hide-sm">{o.customer_email}</td>}
                  <td><StatusPill status={o.status} /></td>
                  <td className="num hide-sm">{o.lines.length}</td>
                  <td className="num">{money(o.total_cents, o.currency)}</td>
                  <td className="hide-sm"><TimeAgo at={o.created_at} /></td>
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
