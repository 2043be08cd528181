// An order's shipments: what went out, with which carrier, and whether it arrived. Staff mark
// a shipment delivered; the order is delivered once every shipment is.
import { useMutation } from '@tanstack/react-query';
import { useRef } from 'react';
import { toApiError } from '../api/client';
import { api } from '../api/endpoints';
import type { Order, QuantityLine } from '../api/types';
import { statusLabel } from '../fulfilment';
import { Empty, useToast } from './Feedback';
import { useOrderChanged } from './useOrderChanged';
import { TimeAgo } from './Status';

/** "2 × Green tea, 1 × Oolong": lines named from the order. */
export function describeLines(order: Order, lines: QuantityLine[]): string {
  const names = new Map(order.lines.map((l) => [l.product_id, l.name || l.sku]));
  return lines.map((l) => `${l.quantity} × ${names.get(l.product_id) ?? l.product_id}`).join(', ');
}

export function Shipments({ order, staff }: { order: Order; staff: boolean }) {
  const toast = useToast();
  const changed = useOrderChanged();
  const heading = useRef<HTMLHeadingElement>(null);
  const deliver = useMutation({
    mutationFn: (shipmentId: string) => api.delivered(order.id, shipmentId),
    onSuccess: (updated) => {
      toast(`Shipment marked delivered; ${updated.number} is now ${statusLabel(updated.status)}`);
      changed(updated);
      // The button pressed is gone with the shipment delivered: focus stays in this section.
      requestAnimationFrame(() => {
        if (document.activeElement === document.body) heading.current?.focus();
      });
    },
    onError: (e) => toast(toApiError(e).friendly, 'error'),
  });
  const shipments = order.shipments ?? [];
  return (
    <section className="card" aria-labelledby="shipments-title">
      <h2 id="shipments-title" ref={heading} tabIndex={-1}>
        Shipments
      </h2>
      {shipments.length === 0 ? (
        <Empty>Nothing shipped yet.</Empty>
      ) : (
        <table>
          <thead>
            <tr>
              <th className="hide-sm">Shipped</th><th>Items</th><th className="hide-sm">Carrier</th><th>Tracking</th><th>Delivered</th>
            </tr>
          </thead>
          <tbody>
            {shipments.map((s, i) => (
              <tr key={s.id}>
                <td className="hide-sm"><TimeAgo at={s.shipped_at} /></td>
                <td>
                  {describeLines(order, s.lines)}
                  <span className="show-sm muted small">
                    shipped <TimeAgo at={s.shipped_at} />
                    {s.carrier && <> · {s.carrier}</>}
                  </span>
                </td>
                <td className="hide-sm">{s.carrier || <span className="muted">—</span>}</td>
                <td>{s.tracking_number ? <code className="tracking">{s.tracking_number}</code> : <span className="muted">—</span>}</td>
                <td>
                  {s.delivered_at ? (
                    <TimeAgo at={s.delivered_at} />
                  ) : staff ? (
                    <button
                      type="button"
                      className="secondary"
                      disabled={deliver.isPending}
                      aria-label={`Mark shipment ${i + 1} delivered`}
                      onClick={() => deliver.mutate(s.id)}
                    >
                      Mark delivered
                    </button>
                  ) : (
                    <span className="muted">On its way</span>
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}
