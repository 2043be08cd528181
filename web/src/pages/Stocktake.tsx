// Stocktake: staff type what they counted on the shelf; every difference from the books is
// written as a correction, all at once, with one note. Lines left blank are not counted.
import { useQuery, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { Link } from 'react-router';
import { api } from '../api/endpoints';
import { queries } from '../api/queries';
import type { Product, StocktakeResult } from '../api/types';
import { Empty, ErrorNotice, Loading } from '../components/Feedback';
import { useSubmit } from '../components/Form';
import { PageHeading } from '../components/Page';
import { TableWrap } from '../components/TableWrap';

/** The lines to send: only products with a count typed in, in table order. */
export function countLines(products: Pick<Product, 'id'>[], counts: Record<string, string>) {
  return products
    .filter((p) => (counts[p.id] ?? '').trim() !== '')
    .map((p) => ({ product_id: p.id, counted: Number(counts[p.id].trim()) }));
}

export default function Stocktake() {
  const [q, setQ] = useState('');
  const [counts, setCounts] = useState<Record<string, string>>({});
  const [note, setNote] = useState('');
  const [result, setResult] = useState<StocktakeResult | null>(null);
  const [sent, setSent] = useState<string[]>([]);
  const queryClient = useQueryClient();
  const { data, error: loadError, isLoading, refetch } = useQuery(queries.catalogue(q));
  const products = data?.items ?? [];
  const lines = countLines(products, counts);

  const { error, busy, onSubmit } = useSubmit(async () => {
    setResult(null);
    setSent(lines.map((l) => l.product_id));
    const done = await api.stocktake({ counts: lines, note: note.trim() || undefined });
    setResult(done);
    setCounts({});
    setNote('');
    await queryClient.invalidateQueries({ queryKey: ['products'] });
    await queryClient.invalidateQueries({ queryKey: ['dashboard'] });
  });
  // Field errors name the line sent (`counts[2].counted`); show each next to its product.
  const lineError = (productId: string) => {
    const i = sent.indexOf(productId);
    if (i < 0 || !error) return undefined;
    return error.fieldErrors[`counts[${i}].counted`] ?? error.fieldErrors[`counts[${i}].product_id`];
  };

  return (
    <div className="page">
      <header className="page-head">
        <PageHeading title="Stocktake" />
      </header>
      <p className="muted">
        Type what is on the shelf (reserved units included). Each difference from the books is recorded as a correction with your
        note; blank lines are left as they are. A count below what open orders have reserved is refused.
      </p>
      {result && (
        <div className="notice notice-success" role="status">
          Counted {result.lines.length} {result.lines.length === 1 ? 'product' : 'products'}; {result.corrected} corrected.
          {result.lines.some((l) => l.difference !== 0) && (
            <ul className="small">
              {result.lines
                .filter((l) => l.difference !== 0)
                .map((l) => (
                  <li key={l.product_id}>
                    <Link to={`/products/${l.product_id}`}>{l.name}</Link>: {l.previous_on_hand} → {l.counted} ({l.difference > 0 ? '+' : ''}
                    {l.difference})
                  </li>
                ))}
            </ul>
          )}
        </div>
      )}
      <form onSubmit={onSubmit} noValidate className="form stocktake">
        {error && (
          <p className="notice notice-error" role="alert">
            {error.friendly}
          </p>
        )}
        <div className="filters">
          <input type="search" name="q" aria-label="Find products to count" placeholder="Search name or SKU" value={q} onChange={(e) => setQ(e.target.value)} />
        </div>
        {isLoading ? (
          <Loading />
        ) : loadError ? (
          <ErrorNotice error={loadError} retry={() => void refetch()} />
        ) : !products.length ? (
          <Empty>{q ? 'No products match.' : 'No active products to count.'}</Empty>
        ) : (
          <TableWrap label="Products to count">
            <table>
              <thead>
                <tr>
                  <th className="hide-sm">SKU</th><th>Name</th><th className="num">On hand</th><th className="num hide-sm">Reserved</th><th>Counted</th>
                </tr>
              </thead>
              <tbody>
                {products.map((p) => {
                  const err = lineError(p.id);
                  const id = `count-${p.id}`;
                  return (
                    <tr key={p.id}>
                      <td className="hide-sm"><code className="sku">{p.sku}</code></td>
                      <td><label htmlFor={id}>{p.name}</label></td>
                      <td className="num">{p.on_hand}</td>
                      <td className="num hide-sm">{p.reserved}</td>
                      <td>
                        <input
                          id={id}
                          className="count"
                          inputMode="numeric"
                          value={counts[p.id] ?? ''}
                          aria-invalid={Boolean(err)}
                          aria-describedby={err ? `${id}-error` : undefined}
                          onChange={(e) => setCounts({ ...counts, [p.id]: e.target.value })}
                        />
                        {err && (
                          <span className="field-error" id={`${id}-error`}>
                            {err}
                          </span>
                        )}
                      </td>
                    </tr>
                  );
                })}
              </tbody>
            </table>
          </TableWrap>
        )}
        <div className="field">
          <label htmlFor="stocktake-note">Note</label>
          <input id="stocktake-note" value={note} onChange={(e) => setNote(e.target.value)} placeholder="e.g. aisle 3, monthly count" />
          {error?.fieldErrors.note && <span className="field-error">{error.fieldErrors.note}</span>}
        </div>
        <button type="submit" disabled={busy || !lines.length}>
          {busy ? 'Saving…' : `Record ${lines.length} ${lines.length === 1 ? 'count' : 'counts'}`}
        </button>
      </form>
    </div>
  );
}
