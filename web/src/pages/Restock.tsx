import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { Link, useNavigate } from 'react-router';
import { toApiError } from '../api/client';
import { api } from '../api/endpoints';
import { queries } from '../api/queries';
import type { Restock as Row } from '../api/types';
import { Empty, ErrorNotice, Loading, useToast } from '../components/Feedback';
import { PageHeading } from '../components/Page';
import { TimeAgo } from '../components/Status';
import { TableWrap } from '../components/TableWrap';
import { exact, newKey } from '../format';

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

/** Turns the suggestions into one draft purchase order per supplier, then shows the drafts. */
function CreateOrders({ items }: { items: Row[] }) {
  const toast = useToast();
  const navigate = useNavigate();
  const queryClient = useQueryClient();
  // One key per click: a double submit or a retry makes the drafts once.
  const [key, setKey] = useState(newKey);
  const ids = items.filter((r) => r.suggested_reorder_quantity > 0).map((r) => r.product_id);
  const create = useMutation({
    mutationFn: () => api.purchaseOrdersFromRestock(ids, key),
    onSuccess: (r) => {
      setKey(newKey());
      void queryClient.invalidateQueries({ queryKey: ['purchase-orders'] });
      void queryClient.invalidateQueries({ queryKey: ['restock'] });
      const skipped = r.skipped.length ? ` ${r.skipped.length} without a supplier skipped: ${r.skipped.map((s) => s.sku).join(', ')}.` : '';
      if (!r.created.length) {
        toast(`Nothing to order: what is on order or on drafts already covers it.${skipped}`, r.skipped.length ? 'error' : undefined);
        return;
      }
      toast(`Created ${r.created.map((po) => po.number).join(', ')}.${skipped}`);
      navigate(r.created.length === 1 ? `/purchasing/${r.created[0].id}` : '/purchasing?status=draft');
    },
    onError: (e) => toast(toApiError(e).friendly, 'error'),
  });
  return (
    <button type="button" disabled={!ids.length || create.isPending} onClick={() => create.mutate()}>
      {create.isPending ? 'Creating…' : 'Create purchase orders'}
    </button>
  );
}

export default function Restock() {
  const { data, error, isLoading, refetch } = useQuery({
    ...queries.restock(),
    refetchInterval: (q) => (q.state.data?.narrative.status === 'pending' ? 3000 : false),
  });
  const heading = (
    <header className="page-head">
      <PageHeading title="Restock" />
      {data && <CreateOrders items={data.items} />}
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
                <th className="num hide-sm">Days of cover</th><th className="num hide-sm">Lead time</th><th className="num hide-sm">On order</th><th className="num">Suggested order</th>
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
                    <td className="num hide-sm">
                      {r.on_order > 0 ? (
                        <>
                          {r.on_order}
                          {r.expected_at && (
                            <span className="muted small"> due <time dateTime={r.expected_at} title={exact(r.expected_at)}>{new Date(r.expected_at).toLocaleDateString()}</time></span>
                          )}
                        </>
                      ) : '—'}
                    </td>
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
