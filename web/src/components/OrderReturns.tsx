// The returns of one order, as its customer and staff see them on the order page.
import type { Order } from '../api/types';
import { money } from '../format';
import { statusLabel } from '../fulfilment';
import { ReturnLines } from './ReturnLines';

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
                <ReturnLines ret={r} />
                <span className="show-sm muted small">{r.reason}</span>
              </td>
              <td className="hide-sm">
                {r.reason}
                {r.reject_reason && <span className="muted small description">Rejected: {r.reject_reason}</span>}
              </td>
              <td className="num">{r.status === 'rejected' ? <span className="muted">—</span> : money(r.refund_cents, r.currency)}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </section>
  );
}
