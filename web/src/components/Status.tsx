// Status is colour plus text, never colour alone; the same pills everywhere.
import type { OrderStatus } from '../api/types';
import { exact, timeAgo } from '../format';

export function StatusPill({ status }: { status: OrderStatus | string }) {
  return <span className={`pill pill-${status}`}>{status}</span>;
}

export function TimeAgo({ at }: { at: string }) {
  return (
    <time dateTime={at} title={exact(at)}>
      {timeAgo(at)}
    </time>
  );
}

export function StockBadge({ available, reorderPoint }: { available: number; reorderPoint: number }) {
  const level = available <= 0 ? 'out' : available <= reorderPoint ? 'low' : 'ok';
  const label = level === 'out' ? 'Out of stock' : level === 'low' ? 'Low' : 'In stock';
  return <span className={`pill stock-${level}`}>{label}</span>;
}
