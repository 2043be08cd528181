// Status is colour plus text, never colour alone; the same pills everywhere.
import type { OrderStatus, Product } from '../api/types';
import { exact, timeAgo } from '../format';
import { statusLabel } from '../fulfilment';

export function StatusPill({ status }: { status: OrderStatus | string }) {
  return <span className={`pill pill-${status}`}>{statusLabel(status)}</span>;
}

export function TimeAgo({ at }: { at: string }) {
  return (
    <time dateTime={at} title={exact(at)}>
      {timeAgo(at)}
    </time>
  );
}

/**
 * Low is judged at the API's `effective_reorder_point` (the product's own, or the deployment
 * default when its own is 0), the same point the dashboard and low-stock lists use.
 */
export function StockBadge({ product }: { product: Pick<Product, 'available' | 'effective_reorder_point'> }) {
  const { available, effective_reorder_point: reorderPoint } = product;
  const level = available <= 0 ? 'out' : available <= reorderPoint ? 'low' : 'ok';
  const label = level === 'out' ? 'Out of stock' : level === 'low' ? 'Low' : 'In stock';
  return <span className={`pill stock-${level}`}>{label}</span>;
}
