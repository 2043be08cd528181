import { useQuery } from '@tanstack/react-query';
import { Link } from 'react-router';
import { api } from '../api/endpoints';
import { Empty, ErrorNotice, Loading } from '../components/Feedback';
import { TimeAgo } from '../components/Status';

export default function Restock() {
  const { data, error, isLoading, refetch } = useQuery({
    queryKey: ['restock'],
    queryFn: api.restock,
    refetchInterval: (q) => (q.state.data?.narrative.status === 'pending' ? 3000 : false),
  });
  if (isLoading) return <Loading label="Forecasting" />;
  if (error || !data) return <ErrorNotice error={error} retry={() => void refetch()} />;
  const n = data.narrative;
  return (
    <div className="page">
      <header className="page-head"><h1>Restock</h1></header>
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
        <div className="card table-wrap">
          <table>
            <caption className="muted small">Demand from confirmed and fulfilled orders over the last {data.window_days} days.</caption>
            <thead>
              <tr>
                <th>Urgency</th><th>Product</th><th className="num">Available</th><th className="num">Per day</th>
                <th className="num">Days of cover</th><th className="num">Lead time</th><th className="num">Suggested order</th>
              </tr>
            </thead>
            <tbody>
              {data.items.map((r) => (
                <tr key={r.product_id}>
                  <td><span className={`pill urgency-${r.urgency}`}>{r.urgency}</span></td>
                  <td><Link to={`/products/${r.product_id}`}>{r.name}</Link> <span className="muted small">{r.sku}</span></td>
                  <td className="num">{r.available}</td>
                  <td className="num">{r.daily_demand}</td>
                  <td className="num">{r.days_of_cover ?? '∞'}</td>
                  <td className="num">{r.lead_time_days} d</td>
                  <td className="num">{r.suggested_reorder_quantity || '—'}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </div>
  );
}
