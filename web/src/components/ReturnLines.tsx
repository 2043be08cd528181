// A return's lines in words. The return names its products when the API sends their names;
// otherwise the order they came from does (one cached request per order).
import { useQuery } from '@tanstack/react-query';
import { queries } from '../api/queries';
import type { OrderReturn } from '../api/types';

type Named = { product_id: string; quantity: number; sku?: string | null; name?: string | null };

/** Product id → name, from the return itself or its order. */
export function useLineNames(ret: OrderReturn): Map<string, string> {
  const lines = ret.lines as Named[];
  const named = lines.every((l) => l.name || l.sku);
  const order = useQuery({ ...queries.order(ret.order_id ?? ''), enabled: !named && Boolean(ret.order_id) });
  const names = new Map<string, string>();
  for (const l of order.data?.lines ?? []) names.set(l.product_id, l.name || l.sku);
  for (const l of lines) if (l.name || l.sku) names.set(l.product_id, (l.name || l.sku) as string);
  return names;
}

export function ReturnLines({ ret }: { ret: OrderReturn }) {
  const names = useLineNames(ret);
  return (
    <ul className="plain">
      {ret.lines.map((l, i) => (
        <li key={i}>
          {l.quantity} × {names.get(l.product_id) ?? '…'}
          {l.condition && <span className="muted small"> ({l.condition === 'restock' ? 'restocked' : 'damaged'})</span>}
        </li>
      ))}
    </ul>
  );
}
