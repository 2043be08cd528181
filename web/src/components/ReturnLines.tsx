// A return's lines in words: what was asked back and, once received, what went back on the
// shelf and what was written off.
import type { OrderReturn } from '../api/types';

export function describeReturnLine(l: OrderReturn['lines'][number], received: boolean): string {
  const what = `${l.quantity} × ${l.name || l.sku}`;
  if (!received) return what;
  const parts = [l.restocked && `${l.restocked} restocked`, l.damaged && `${l.damaged} damaged`].filter(Boolean);
  return `${what} (${parts.length ? parts.join(', ') : 'none came back'})`;
}

export function ReturnLines({ ret }: { ret: OrderReturn }) {
  return (
    <ul className="plain">
      {ret.lines.map((l) => (
        <li key={l.product_id}>{describeReturnLine(l, ret.status === 'received')}</li>
      ))}
    </ul>
  );
}
