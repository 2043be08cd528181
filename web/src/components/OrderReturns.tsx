// The returns of one order, as its customer and staff see them on the order page.
import type { Order } from '../api/types';
import { money } from '../format';
import { statusLabel } from '../fulfilment';
import { describeLines } from './Shipments';

export function ReturnPill({ status }: { status: string }) {
  return <span className={`pill pill-return-${status}`}>{statusLabel(status)}</span>;
}

export function OrderReturns({ order }: { order: Order }) {
  const returns = order.returns ?? [];
  if (!returns.length) return null;
  return (
    <section className="card" aria-labelledby="returns-title">
      <h2 id="returns-title">Returns</h2>
      <table>
        <thead>
          <tr><th>Status</th><th>Items</th><th className="hide-sm">Reason</th><th className="num">Refund</th></tr>
        </thead>
        <tbody>
          {returns.map((r) => (
            <tr key={r.id}>
              <td><ReturnPill status={r.status} /></td>
              <td>
                {describeLines(order, r.lines)}
                <span className="show-sm muted small">{r.reason}</span>
              </td>
              <td className="hide-sm">{r.reason}</td>
              <td className="num">{r.status !== 'rejected' && r.refund_cents != null ? money(r.refund_cents, order.currency) : <span className="muted">—</span>}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </section>
  );
}
