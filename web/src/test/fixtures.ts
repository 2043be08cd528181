// Orders as the API sends them, for component tests of fulfilment and returns.
import type { Order, OrderReturn } from '../api/types';

export function order(change: Partial<Order> = {}): Order {
  return {
    id: 'o1',
    number: 'SR-000042',
    customer_id: 'c1',
    customer_email: 'casey@example.com',
    status: 'confirmed',
    lines: [
      { product_id: 'tea', sku: 'TEA-1', name: 'Green tea', quantity: 3, unit_price_cents: 450, line_total_cents: 1350 },
      { product_id: 'mug', sku: 'MUG-1', name: 'Stoneware mug', quantity: 2, unit_price_cents: 1200, line_total_cents: 2400 },
    ],
    total_cents: 3750,
    currency: 'USD',
    note: null,
    ai_summary: { status: 'disabled' },
    history: [{ status: 'confirmed', at: '2026-11-01T10:00:00Z' }],
    created_at: '2026-11-01T10:00:00Z',
    updated_at: '2026-11-01T10:00:00Z',
    shipping_address: null,
    shipments: [],
    returns: [],
    ...change,
  } as Order;
}

export const shipment = (id: string, lines: [string, number][], delivered = false) => ({
  id,
  lines: lines.map(([product_id, quantity]) => ({ product_id, quantity })),
  carrier: 'DHL',
  tracking_number: `TRK-${id}`,
  shipped_at: '2026-11-02T10:00:00Z',
  delivered_at: delivered ? '2026-11-03T10:00:00Z' : null,
});

const names: Record<string, [string, string, number]> = {
  tea: ['TEA-1', 'Green tea', 450],
  mug: ['MUG-1', 'Stoneware mug', 1200],
};

/** A return of `[product, quantity]` lines; received ones restock everything unless told. */
export function ret(id: string, status: OrderReturn['status'], lines: [string, number][], change: Partial<OrderReturn> = {}): OrderReturn {
  const received = status === 'received';
  const items = lines.map(([product_id, quantity]) => {
    const [sku, name, unit_price_cents] = names[product_id] ?? [product_id, product_id, 100];
    return { product_id, sku, name, quantity, unit_price_cents, restocked: received ? quantity : 0, damaged: 0 };
  });
  return {
    id,
    order_id: 'o1',
    order_number: 'SR-000042',
    customer_id: 'c1',
    status,
    lines: items,
    reason: 'broken',
    refund_cents: status === 'rejected' ? 0 : items.reduce((n, l) => n + l.quantity * l.unit_price_cents, 0),
    currency: 'USD',
    requested_by: 'c1',
    created_at: '2026-11-04T10:00:00Z',
    updated_at: '2026-11-04T10:00:00Z',
    ...change,
  };
}
