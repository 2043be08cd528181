// Orders per status as horizontal bars: every status is listed, zero or not, so "nothing
// failed" reads as a 0 rather than as a missing row. The numbers are text, the bars decoration.
import type { OrderStatus } from '../api/types';
import { statusLabel } from '../fulfilment';

/** Lifecycle order: what is in flight first, then how orders ended. */
export const STATUSES: OrderStatus[] = [
  'pending', 'confirmed', 'partially_fulfilled', 'fulfilled', 'delivered', 'cancelled', 'rejected', 'failed',
];

/** Every known status with its count (0 when absent), then any status this UI does not know. */
export function statusRows(counts: Record<string, number>): [string, number][] {
  const known = STATUSES.map((s): [string, number] => [s, counts[s] ?? 0]);
  const other = Object.entries(counts).filter(([s]) => !(STATUSES as string[]).includes(s));
  return [...known, ...other];
}

export function StatusChart({ counts }: { counts: Record<string, number> }) {
  const rows = statusRows(counts);
  const max = Math.max(1, ...rows.map(([, n]) => n));
  return (
    <table className="status-chart">
      <caption className="visually-hidden">Orders per status, all time</caption>
      <tbody>
        {rows.map(([status, n]) => (
          <tr key={status}>
            <th scope="row">{statusLabel(status)}</th>
            <td className="num">{n}</td>
            <td className="bar-cell" aria-hidden="true">
              <span className={`status-bar pill-${status}`} style={{ width: `${(n / max) * 100}%` }} />
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
