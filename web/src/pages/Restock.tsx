import { useQuery } from '@tanstack/react-query';
import { Link } from 'react-router';
import { queries } from '../api/queries';
import type { Restock as Row } from '../api/types';
import { Empty, ErrorNotice, Loading } from '../components/Feedback';
import { PageHeading } from '../components/Page';
import { TimeAgo } from '../components/Status';
import { TableWrap } from '../components/TableWrap';

/**
 * What a row's urgency says to a person. Nothing sold in the window is not an emergency,
 * whatever the stock: the forecast has no rate to run out at, so it reads "no recent demand".
 */
export function urgencyOf(r: Pick<Row, 'daily_demand' | 'urgency'>): { label: string; tone: string } {
  if (r.daily_demand <= 0) return { label: 'no recent demand', tone: 'idle' };
  return { label: r.urgency, tone: r.urgency };
}

export function coverOf(r: Pick<Row, 'daily_demand' | 'days_of_cover'>): string {
  if (r.daily_demand <= 0 || r.days_of_cover === null) return 'no recent demand';
  return `${r.days_of_cover} d`;
}

export default function Restock() {
  const { data, error, isLoading, refetch } = useQuery({
    ...queries.restock(),
    refetchInterval: (q) => (q.state.data?.narrative.status === 'pending' ? 3000 : false),
  });
  const heading = (
    <header className="page-head">
      <PageHeading title="Restock" />
    </header>
  );
  if (isLoading) return <div className="page">{heading}<Loading label="Forecasting" /></div>;
  if (error || !data) return <div className="page">{heading}<ErrorNotice error={error} retry={() => void refetch()} /></div>;
  const n = data.narrative;
  return (
    <div className="page">
      {heading}
      <section className="card ai-card" aria-labelledby="narrative">
        <h2 id="narrative"><span className="ai-mark" aria-hidden="true">✦</span> AI advice</h2>
        {n.status === 'disabled' && <p className="muted">AI is not configured. The forecast below is always computed from real orders.</p>}
        {n.status === 'pending' && <p className="muted" role="status"><span className="spinner" aria-hidden="true" /> Writing advice…</p>}
        {n.status === 'failed' && <p className="muted">The AI provider could not write advice just now; the forecast below is unaffected.</p>}
        {n.status === 'ready' && (
          <>
            <p>{n.text}</p>
            {n.generated_at && <p className="muted small">Generated <TimeAgo at={n.generated_at} /></p>}
          </>
        )}
      </section>
      {!data.items.length ? (
        <Empty>No active products to forecast.</Empty>
      ) : (
        <TableWrap label="Restock forecast">
          <table>
            <caption className="muted small">Demand from confirmed and fulfilled orders over the last {data.window_days} days.</caption>
            <thead>
              <tr>
                <th>Product</th><th className="hide-sm">Urgency</th><th className="num">Available</th><th className="num hide-sm">Per day</th>
                <th className="num hide-sm">Days of cover</th><th className="num hide-sm">Lead time</th><th className="num">Suggested order</th>
              </tr>
            </thead>
            <tbody>
              {data.items.map((r) => {
                const u = urgencyOf(r);
                return (
                  <tr key={r.product_id}>
                    <td>
                      <Link to={`/products/${r.product_id}`}>{r.name}</Link> <span className="muted small sku">{r.sku}</span>
                      <span className="show-sm"><span className={`pill urgency-${u.tone}`}>{u.label}</span></span>
                      <span className="show-sm muted small">
                        {r.daily_demand > 0 ? `${r.daily_demand}/day · cover ${coverOf(r)} · lead ${r.lead_time_days} d` : `lead ${r.lead_time_days} d`}
                      </span>
                    </td>
                    <td className="hide-sm"><span className={`pill urgency-${u.tone}`}>{u.label}</span></td>
                    <td className="num">{r.available}</td>
                    <td className="num hide-sm">{r.daily_demand}</td>
                    <td className="num hide-sm">{coverOf(r)}</td>
                    <td className="num hide-sm">{r.lead_time_days} d</td>
                    <td className="num">{r.suggested_reorder_quantity || '—'}</td>
                  </tr>
                );
              })}
            </tbody>
          </table>
        </TableWrap>
      )}
    </div>
  );
}
