// What an order's shipments and returns add up to, per product: what is left to ship and what
// may still be returned. The server enforces both; the UI only offers what it would accept.
import type { Order, OrderReturn, OrderStatus } from './api/types';

type Totals = Map<string, number>;

function sum(into: Totals, lines: { product_id: string; quantity: number }[]) {
  for (const l of lines) into.set(l.product_id, (into.get(l.product_id) ?? 0) + l.quantity);
  return into;
}

export function shipped(order: Order): Totals {
  return (order.shipments ?? []).reduce((t, s) => sum(t, s.lines), new Map<string, number>());
}

/** Units in returns not rejected: a request still open counts, so two cannot exceed what shipped. */
export function returned(order: Order): Totals {
  return (order.returns ?? [])
    .filter((r) => r.status !== 'rejected')
    .reduce((t, r) => sum(t, r.lines), new Map<string, number>());
}

/** Per order line, what is still to ship (0 once shipped). */
export function leftToShip(order: Order): Totals {
  const done = shipped(order);
  return new Map(order.lines.map((l) => [l.product_id, Math.max(0, l.quantity - (done.get(l.product_id) ?? 0))]));
}

/** Per order line, what the customer may still send back: shipped minus returned. */
export function returnable(order: Order): Totals {
  const out = shipped(order);
  const back = returned(order);
  return new Map(order.lines.map((l) => [l.product_id, Math.max(0, (out.get(l.product_id) ?? 0) - (back.get(l.product_id) ?? 0))]));
}

const SHIPPABLE: OrderStatus[] = ['confirmed', 'partially_fulfilled'];
const RETURNABLE: OrderStatus[] = ['partially_fulfilled', 'fulfilled', 'delivered'];

export const canShip = (order: Order) => SHIPPABLE.includes(order.status);

/**
 * Whether to offer "Return items": something shipped is not yet returned and, for the
 * customer, the window (`returnable_until`, RETURN_WINDOW_DAYS after delivery) is open.
 * Staff may record a return after it.
 */
export function canReturn(order: Order, staff: boolean, now = Date.now()): boolean {
  if (!RETURNABLE.includes(order.status)) return false;
  if (![...returnable(order).values()].some((n) => n > 0)) return false;
  return staff || (order.returnable_until != null && new Date(order.returnable_until).getTime() > now);
}

export const isOpenReturn = (r: OrderReturn) => r.status === 'requested';

/** "partially_fulfilled" → "partially fulfilled": the words on a pill. */
export const statusLabel = (s: string) => s.replace(/_/g, ' ');
