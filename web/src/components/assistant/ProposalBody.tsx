// Exactly what confirming a proposal sends, field by field. The one-line summary names only
// the first lines and leaves out the note, the date and any unit costs the model chose; a
// person confirms what they can see, so every field of the body is shown here (the note is
// model-written text that may echo planted words: it is shown as text, quoted).
import type { Proposal } from '../../api/types';
import { exact } from '../../format';

type Body = Record<string, unknown>;
interface Line {
  product_id?: unknown;
  quantity?: unknown;
  unit_cost_cents?: unknown;
}

const text = (v: unknown) => (typeof v === 'string' || typeof v === 'number' ? String(v) : JSON.stringify(v));
const cost = (cents: unknown) => (typeof cents === 'number' ? (cents / 100).toFixed(2) : text(cents));
const when = (iso: unknown) => (typeof iso === 'string' && !Number.isNaN(Date.parse(iso)) ? exact(iso) : text(iso));

/** Fields shown in their own words; any other field is listed as it is. */
const KNOWN = new Set(['supplier_id', 'lines', 'expected_at', 'note', 'product_id', 'delta', 'reason']);

export function ProposalBody({ proposal }: { proposal: Proposal }) {
  const body = (proposal.body ?? {}) as Body;
  const lines: Line[] = Array.isArray(body.lines) ? (body.lines as Line[]) : [];
  const other = Object.entries(body).filter(([k]) => !KNOWN.has(k));
  return (
    <ul className="proposal-body small" aria-label="What will be sent">
      {proposal.kind === 'purchase_order' ? (
        <>
          <li>Supplier: <code>{text(body.supplier_id)}</code></li>
          <li>
            {lines.length} {lines.length === 1 ? 'line' : 'lines'}:
            <ol>
              {lines.map((l, i) => (
                <li key={i} data-line="">
                  {text(l.quantity)} × <code>{text(l.product_id)}</code>
                  {l.unit_cost_cents !== undefined && <> at unit cost {cost(l.unit_cost_cents)}</>}
                </li>
              ))}
            </ol>
          </li>
          {body.expected_at !== undefined && <li>Expected: {when(body.expected_at)}</li>}
        </>
      ) : (
        <>
          <li>Product: <code>{text(body.product_id)}</code></li>
          <li>
            Change: {typeof body.delta === 'number' && body.delta > 0 ? '+' : ''}
            {text(body.delta)} ({text(body.reason)})
          </li>
        </>
      )}
      {body.note !== undefined && (
        <li>
          Note: <q>{text(body.note)}</q>
        </li>
      )}
      {other.map(([k, v]) => (
        <li key={k}>
          {k}: <code>{text(v)}</code>
        </li>
      ))}
    </ul>
  );
}
