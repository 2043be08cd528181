import { useQuery, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { Link, useParams } from 'react-router';
import { toApiError } from '../api/client';
import { api } from '../api/endpoints';
import { queries } from '../api/queries';
import { AdjustForm } from '../components/AdjustForm';
import { useConfirm } from '../components/Dialog';
import { Empty, ErrorNotice, Loading, useToast } from '../components/Feedback';
import { Dialog } from '../components/Form';
import { PageHeading, useDocumentTitle, useFocusHeadingOnChange } from '../components/Page';
import { ProductForm } from '../components/ProductForm';
import { StockBadge, TimeAgo } from '../components/Status';
import { money } from '../format';

export default function ProductDetail() {
  const { id = '' } = useParams();
  const [dialog, setDialog] = useState<'edit' | 'adjust' | null>(null);
  const toast = useToast();
  const queryClient = useQueryClient();
  const confirm = useConfirm();
  const product = useQuery(queries.product(id));
  const supplierId = product.data?.supplier_id;
  const suppliers = useQuery({ ...queries.suppliers(), enabled: Boolean(supplierId) });
  const supplier = suppliers.data?.items.find((s) => s.id === supplierId);
  const movements = useQuery(queries.movements(id));
  const refresh = () => queryClient.invalidateQueries({ queryKey: ['products'] });
  useDocumentTitle(product.data ? `${product.data.name} (${product.data.sku})` : 'Product');
  // Archive goes away once archived: the heading, now marked "archived", takes focus.
  useFocusHeadingOnChange(product.data?.active);

  if (product.isLoading) return <Loading />;
  if (product.error || !product.data) return <ErrorNotice error={product.error} retry={() => void product.refetch()} />;
  const p = product.data;
  return (
    <div className="page">
      <header className="page-head">
        <PageHeading title={`${p.name} (${p.sku})`}>
          {p.name} <code className="muted sku">{p.sku}</code>
          {!p.active && <span className="pill">archived</span>}
        </PageHeading>
        <div className="actions">
          <button type="button" className="secondary" onClick={() => setDialog('edit')}>Edit</button>
          <button type="button" onClick={() => setDialog('adjust')}>Adjust stock</button>
          {p.active && (
            <button
              type="button"
              className="danger"
              onClick={async () => {
                const ok = await confirm({
                  title: `Archive ${p.name}?`,
                  body: <p>{p.sku} leaves the catalogue: customers can no longer order it. Its history and stock stay.</p>,
                  action: 'Archive',
                  danger: true,
                });
                if (!ok) return;
                try {
                  await api.archiveProduct(p.id, p.version);
                  toast(`${p.sku} archived`);
                  await refresh();
                } catch (e) {
                  toast(toApiError(e).friendly, 'error');
                }
              }}
            >
              Archive
            </button>
          )}
        </div>
      </header>
      <section className="card product-about" aria-label="About this product">
        <p>{p.description || <span className="muted">No description.</span>}</p>
        <dl className="facts">
          <div><dt>Category</dt><dd>{p.category || '—'}</dd></div>
          <div>
            <dt>Supplier</dt>
            <dd>{!supplierId ? 'None' : supplier ? supplier.name : suppliers.isLoading ? '…' : 'Unknown supplier'}</dd>
          </div>
          <div>
            <dt>Reorder point</dt>
            <dd>{p.reorder_point || (p.effective_reorder_point ? `${p.effective_reorder_point} (deployment default)` : 'None')}</dd>
          </div>
          <div><dt>Reorder quantity</dt><dd>{p.reorder_quantity}</dd></div>
        </dl>
      </section>
      <div className="kpis">
        <div className="card kpi"><span className="muted small">Price</span><strong className="num">{money(p.price_cents, p.currency)}</strong></div>
        <div className="card kpi"><span className="muted small">On hand</span><strong className="num">{p.on_hand}</strong></div>
        <div className="card kpi"><span className="muted small">Reserved</span><strong className="num">{p.reserved}</strong></div>
        <div className="card kpi"><span className="muted small">On order</span><strong className="num">{p.on_order}</strong></div>
        <div className="card kpi">
          <span className="muted small">Available</span>
          <strong className="num">{p.available}</strong>
          <StockBadge product={p} />
        </div>
      </div>
      <section className="card">
        <h2>Stock movements</h2>
        {movements.isLoading ? (
          <Loading />
        ) : movements.error ? (
          <ErrorNotice error={movements.error} />
        ) : !movements.data?.items.length ? (
          <Empty>No stock movements yet.</Empty>
        ) : (
          <table>
            <thead>
              <tr><th>When</th><th>Reason</th><th className="num">On hand Δ</th><th className="num hide-sm">Reserved Δ</th><th className="num">On hand after</th><th className="hide-sm">Note</th></tr>
            </thead>
            <tbody>
              {movements.data.items.map((m) => (
                <tr key={m.id}>
                  <td>
                    <TimeAgo at={m.created_at} />
                    {m.note && <span className="show-sm muted small">{m.note}</span>}
                  </td>
                  <td>{m.reason}</td>
                  <td className="num">{m.on_hand_delta > 0 ? `+${m.on_hand_delta}` : m.on_hand_delta}</td>
                  <td className="num hide-sm">{m.reserved_delta > 0 ? `+${m.reserved_delta}` : m.reserved_delta}</td>
                  <td className="num">{m.on_hand_after}</td>
                  <td className="hide-sm">
                    {/* Goods in from a purchase order link back to it. */}
                    {m.purchase_order_id ? <Link to={`/purchasing/${m.purchase_order_id}`}>{m.note}</Link> : m.note}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </section>
      <Dialog title="Edit product" open={dialog === 'edit'} onClose={() => setDialog(null)}>
        <ProductForm
          product={p}
          onSave={async (body) => {
            const saved = await api.updateProduct(p.id, p.version, body);
            toast(`Saved ${saved.sku}`);
            void refresh();
            setDialog(null);
          }}
        />
      </Dialog>
      <Dialog title="Adjust stock" open={dialog === 'adjust'} onClose={() => setDialog(null)}>
        <AdjustForm
          product={p}
          onSave={async (b) => {
            const r = await api.adjust({ product_id: p.id, ...b });
            toast(`${p.sku}: ${r.product.on_hand} on hand, ${r.product.available} available`);
            void refresh();
            setDialog(null);
          }}
        />
      </Dialog>
    </div>
  );
}
