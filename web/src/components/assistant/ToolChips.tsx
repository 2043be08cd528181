// Which tools an answer used, as chips: what the assistant looked at, with the exact
// arguments on hover and for screen readers.
import type { ToolUse } from '../../api/types';

const LABELS: Record<string, string> = {
  search_products: 'Searched products',
  get_product: 'Read a product',
  list_orders: 'Listed orders',
  get_order: 'Read an order',
  sales_stats: 'Sales figures',
  restock_advice: 'Restock advice',
  list_purchase_orders: 'Purchase orders',
  propose_purchase_order: 'Proposed a purchase order',
  propose_stock_adjustment: 'Proposed a stock adjustment',
};

export function ToolChips({ tools }: { tools: ToolUse[] }) {
  if (!tools.length) return null;
  return (
    <ul className="tool-chips" aria-label="Tools used">
      {tools.map((t, i) => {
        const args = JSON.stringify(t.arguments);
        return (
          <li key={i} className="tool-chip" title={`${t.name} ${args}`}>
            {LABELS[t.name] ?? t.name}
            <span className="visually-hidden"> ({args})</span>
          </li>
        );
      })}
    </ul>
  );
}
