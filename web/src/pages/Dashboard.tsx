// "Is anything on fire?" in one look. Each section shows its own state: a section whose
// service is down says so, and the rest of the page still works.
import { useQuery } from '@tanstack/react-query';
import { useDeferredValue } from 'react';
import { Link, useSearchParams } from 'react-router';
import { PERIODS, periodOf, queries } from '../api/queries';
import { isUnavailable, type Dashboard as Data } from '../api/types';
import { Empty, ErrorNotice, Loading } from '../components/Feedback';
import { PageHeading, useDocumentTitle } from '../components/Page';
import { RevenueChart } from '../components/RevenueChart';
import { StatusChart } from '../components/StatusChart';
import { StatusPill, TimeAgo } from '../components/Status';
import { money } from '../format';

function Unavailable({ what, reason }: { what: string; reason: string }) {
  return (
    <div className="notice notice-warn" role="status">
      <strong>{what} unavailable</strong>
      <span>{reason}</span>
    </div>
  );
}

function Kpi({ label, value, tone }: { label: string; value: string | number; tone?: 'warn' }) {
  return (
    <div className={`card kpi${tone ? ` kpi-${tone}` : ''}`}>
      <span className="muted small">{label}</span>
      <strong className="num">{value}</strong>
    </div>
  );
}

/** Returns waiting to be received: the first page of requested returns ("25+" beyond it). */
function ReturnsKpi() {
  const { data, isError } = useQuery(queries.returns('requested', undefined));
  const n = data?.items.length ?? 0;
  const value = isError ? '—' : !data ? '…' : `${n}${data.next_cursor ? '+' : ''}`;
  return (
    <div className={`card kpi${n > 0 ? ' kpi-warn' : ''}`}>
      <Link className="muted small" to="/returns?status=requested">Returns to receive</Link>
      <strong className="num">{value}</strong>
    </div>
  );
}

function OrdersPart({ orders }: { orders: Data['orders'] }) {
  if (isUnavailable(orders)) return <Unavailable what="Orders" reason={orders.reason} />;
  // Partly shipped orders are still waiting for the rest.
  const waiting = (orders.by_status.confirmed ?? 0) + (orders.by_status.partially_fulfilled ?? 0);
  const inTransit = orders.by_status.fulfilled ?? 0;
  const days = orders.period_days;
  return (
    <>
      <div className="kpis">
        <Kpi label="Revenue today" value={money(orders.revenue_today_cents, orders.currency)} />
        <Kpi label="Orders today" value={orders.orders_today} />
        <Kpi label={`Revenue, last ${days} days`} value={money(orders.revenue_period_cents, orders.currency)} />
        <Kpi label={`Orders, last ${days} days`} value={orders.orders_period} />
        {/* Revenue stays gross; what returns paid back is its own figure. */}
        {orders.refunds_period_cents != null && (
          <Kpi label={`Refunds, last ${days} days`} value={money(orders.refunds_period_cents, orders.currency)} />
        )}
        <Kpi label="Waiting to be fulfilled" value={waiting} tone={waiting > 0 ? 'warn' : undefined} />
        <Kpi label="Shipped, not yet delivered" value={inTransit} />
        <ReturnsKpi />
      </div>
      <div className="grid-2 grid-wide">
        <section className="card">
          <h2>Revenue and orders, last {days} days</h2>
          {orders.revenue_by_day.length === 0 ? (
            <Empty>No orders in the last {days} days.</Empty>
          ) : (
            <RevenueChart rows={orders.revenue_by_day} currency={orders.currency} period={days} />
          )}
        </section>
        <section className="card">
          <h2>Orders by status</h2>
          <StatusChart counts={orders.by_status} />
        </section>
      </div>
      <div className="grid-2">
        <section className="card">
          <h2>Recent orders</h2>
          {orders.recent.length === 0 ? (
            <Empty>No orders yet.</Empty>
          ) : (
            <table>
              <thead>
                <tr><th>Order</th><th>Status</th><th className="num">Total</th><th className="hide-sm">When</th></tr>
              </thead>
              <tbody>
                {orders.recent.map((o) => (
                  <tr key={o.id}>
                    <td><Link className="order-no" to={`/orders/${o.id}`}>{o.number}</Link></td>
                    <td><StatusPill status={o.status} /></td>
                    <td className="num">{money(o.total_cents, o.currency)}</td>
                    <td className="hide-sm"><TimeAgo at={o.created_at} /></td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
        </section>
        <section className="card">
          <h2>Top products, last {orders.period_days} days</h2>
          {orders.top_products.length === 0 ? (
            <Empty>Nothing sold yet.</Empty>
          ) : (
            <table>
              <thead>
                <tr><th>Product</th><th className="num">Units</th><th className="num">Revenue</th></tr>
              </thead>
              <tbody>
                {orders.top_products.map((p) => (
                  <tr key={p.product_id}>
                    <td>{p.name} <span className="muted small sku">{p.sku}</span></td>
                    <td className="num">{p.quantity}</td>
                    <td className="num">{money(p.revenue_cents, orders.currency)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
        </section>
      </div>
    </>
  );
}

function InventoryPart({ inventory }: { inventory: Data['inventory'] }) {
  if (isUnavailable(inventory)) return <Unavailable what="Inventory" reason={inventory.reason} />;
  const s = inventory.summary;
  return (
    <>
      <div className="kpis">
        <Kpi label="Stock value" value={money(s.stock_value_cents, s.currency)} />
        <Kpi label="Low-stock products" value={s.low_stock} tone={s.low_stock > 0 ? 'warn' : undefined} />
        <Kpi label="Active products" value={s.active_products} />
        <Kpi label="Units reserved" value={s.units_reserved} />
      </div>
      <section className="card">
        <h2>Low stock</h2>
        {inventory.low_stock.length === 0 ? (
          <Empty>Nothing is below its reorder point.</Empty>
        ) : (
          <table>
            <thead>
              <tr><th>Product</th><th className="num">Available</th><th className="num">Reorder at</th></tr>
            </thead>
            <tbody>
              {inventory.low_stock.slice(0, 8).map((p) => (
                <tr key={p.id}>
                  <td><Link to={`/products/${p.id}`}>{p.name}</Link> <span className="muted small sku">{p.sku}</span></td>
                  <td className="num">{p.available}</td>
                  <td className="num">
                    {p.effective_reorder_point}
                    {!p.reorder_point && <span className="muted small"> (default)</span>}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </section>
    </>
  );
}

export default function Dashboard() {
  useDocumentTitle('Dashboard');
  const [params, setParams] = useSearchParams();
  const period = periodOf(params);
  const { data: fresh, error, isLoading, refetch } = useQuery(queries.dashboard(period));
  // The dashboard is the largest render: build it as a transition React can interrupt.
  const data = useDeferredValue(fresh);
  if (isLoading || (fresh && !data)) return <Loading label="Loading the dashboard" />;
  if (error || !data) return <ErrorNotice error={error} retry={() => void refetch()} />;
  const ai = isUnavailable(data.ai) ? null : data.ai.status;
  return (
    <div className="page">
      <header className="page-head">
        <PageHeading title="Dashboard" />
        <div className="period" role="group" aria-label="Period">
          {PERIODS.map((d) => (
            <button
              key={d}
              type="button"
              className={d === period ? '' : 'secondary'}
              aria-pressed={d === period}
              onClick={() => setParams(d === 30 ? {} : { days: String(d) }, { replace: true })}
            >
              {d} days
            </button>
          ))}
        </div>
        <div className="services" role="group" aria-label="Service health">
          {Object.entries(data.services).map(([name, s]) => (
            <span key={name} className={`pill ${s.status === 'up' ? 'stock-ok' : 'stock-out'}`}>
              {name}: {s.status}
            </span>
          ))}
          <span className="pill ai-pill">
            AI: {ai ? (ai.enabled ? `${ai.breaker === 'closed' ? 'on' : 'paused'} · ${ai.queued} queued` : 'not configured') : 'unknown'}
          </span>
        </div>
      </header>
      <OrdersPart orders={data.orders} />
      <InventoryPart inventory={data.inventory} />
    </div>
  );
}
