import { keepPreviousData, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { Link, useSearchParams } from 'react-router';
import { ApiError, toApiError } from '../api/client';
import { api } from '../api/endpoints';
import { queries } from '../api/queries';
import { isStaff, useAuth } from '../auth/AuthContext';
import { Empty, ErrorNotice, Loading, useToast } from '../components/Feedback';
import { Dialog } from '../components/Form';
import { PageHeading } from '../components/Page';
import { Pager, usePageCursor } from '../components/Pager';
import { TableWrap } from '../components/TableWrap';
import { ProductForm } from '../components/ProductForm';
import { StockBadge } from '../components/Status';
import { money } from '../format';

function ImportDialog({ open, onClose }: { open: boolean; onClose: () => void }) {
  const [error, setError] = useState<ApiError | null>(null);
  const [busy, setBusy] = useState(false);
  const toast = useToast();
  const queryClient = useQueryClient();
  async function upload(file: File) {
    setBusy(true);
    setError(null);
    try {
      const r = await api.importCsv(await file.text());
      toast(`Imported: ${r.created} created, ${r.updated} updated`);
      void queryClient.invalidateQueries({ queryKey: ['products'] });
      onClose();
    } catch (e) {
      setError(toApiError(e));
    } finally {
      setBusy(false);
    }
  }
  return (
    <Dialog title="Import products" open={open} onClose={onClose}>
      <p className="muted small">
        CSV with a header row: <code>sku,name,price_cents</code> and optionally <code>description, category, supplier_id,
        reorder_point, reorder_quantity, initial_stock, active</code>. All rows are imported, or none.
      </p>
      <label className="file">
        Choose a CSV file
        <input type="file" accept=".csv,text/csv" disabled={busy} onChange={(e) => e.target.files?.[0] && void upload(e.target.files[0])} />
      </label>
      {busy && <Loading label="Importing" />}
      {error && (
        <div className="notice notice-error" role="alert">
          <strong>{error.friendly}</strong>
          <ul>
            {Object.entries(error.fieldErrors).map(([field, message]) => (
              <li key={field}>
                {field.replace(/^line\[(\d+)\]\.?/, 'Line $1 ')}: {message}
              </li>
            ))}
          </ul>
        </div>
      )}
    </Dialog>
  );
}

/** What a customer is told: whether they can order it, never how many units the shop holds. */
export function Availability({ available }: { available: number }) {
  return available > 0 ? <span className="pill stock-ok">Available</span> : <span className="pill stock-out">Out of stock</span>;
}

async function download() {
  const csv = await api.exportCsv();
  const url = URL.createObjectURL(new Blob([csv], { type: 'text/csv' }));
  const a = Object.assign(document.createElement('a'), { href: url, download: 'products.csv' });
  a.click();
  URL.revokeObjectURL(url);
}

export default function Products() {
  const { user } = useAuth();
  const staff = isStaff(user);
  const [params, setParams] = useSearchParams();
  const q = params.get('q') ?? '';
  const low = params.get('low_stock') === 'true';
  const [cursor, next, prev, hasPrev] = usePageCursor();
  const [dialog, setDialog] = useState<'create' | 'import' | null>(null);
  const toast = useToast();
  const queryClient = useQueryClient();
  const { data, error, isLoading, refetch } = useQuery({ ...queries.products(q, low, cursor), placeholderData: keepPreviousData });
  // Supplier names for staff; customers never ask (the suppliers list is staff-only).
  const suppliers = useQuery({ ...queries.suppliers(), enabled: staff });
  const supplierNames = new Map((suppliers.data?.items ?? []).map((s) => [s.id, s.name]));
  const setFilter = (k: string, v: string) => {
    const p = new URLSearchParams(params);
    if (v) p.set(k, v);
    else p.delete(k);
    p.delete('trail');
    setParams(p, { replace: true });
  };

  return (
    <div className="page">
      <header className="page-head">
        <PageHeading title="Products" />
        {staff && (
          <div className="actions">
            <button type="button" className="secondary" onClick={() => void download().catch((e) => toast(toApiError(e).friendly, 'error'))}>
              Export CSV
            </button>
            <button type="button" className="secondary" onClick={() => setDialog('import')}>
              Import CSV
            </button>
            <button type="button" onClick={() => setDialog('create')}>
              New product
            </button>
          </div>
        )}
      </header>
      <div className="filters">
        <input type="search" name="q" aria-label="Search products" placeholder="Search name or SKU" value={q} onChange={(e) => setFilter('q', e.target.value)} />
        {staff && (
        <label className="check">
          <input type="checkbox" name="low_stock" checked={low} onChange={(e) => setFilter('low_stock', e.target.checked ? 'true' : '')} /> Low stock only
        </label>
        )}
      </div>
      {isLoading ? (
        <Loading />
      ) : error ? (
        <ErrorNotice error={error} retry={() => void refetch()} />
      ) : !data?.items.length ? (
        <Empty>{q || low ? 'No products match.' : staff ? 'No products yet — add one or import a CSV.' : 'No products yet.'}</Empty>
      ) : (
        <TableWrap label="Products">
          <table>
            <thead>
              {staff ? (
                <tr>
                  <th className="hide-sm">SKU</th><th>Name</th><th className="hide-sm">Category</th><th className="hide-sm">Supplier</th><th className="num">Price</th>
                  <th className="num hide-sm">On hand</th><th className="num hide-sm">Reserved</th><th className="num">Available</th><th className="hide-sm">Stock</th>
                </tr>
              ) : (
                <tr>
                  <th>Name</th><th className="num">Price</th><th>Availability</th>
                </tr>
              )}
            </thead>
            <tbody>
              {data.items.map((p) =>
                staff ? (
                  <tr key={p.id} className={p.active ? '' : 'archived'}>
                    <td className="hide-sm"><code className="sku">{p.sku}</code></td>
                    <td>
                      <Link to={`/products/${p.id}`}>{p.name}</Link>
                      {!p.active && <span className="muted small"> (archived)</span>}
                      <code className="show-sm muted small sku">{p.sku}</code>
                      {p.description && <span className="muted small description">{p.description}</span>}
                    </td>
                    <td className="hide-sm">{p.category}</td>
                    <td className="hide-sm">{p.supplier_id ? (supplierNames.get(p.supplier_id) ?? '…') : <span className="muted">—</span>}</td>
                    <td className="num">{money(p.price_cents, p.currency)}</td>
                    <td className="num hide-sm">{p.on_hand}</td>
                    <td className="num hide-sm">{p.reserved}</td>
                    <td className="num">
                      {p.available}
                      <span className="show-sm"><StockBadge product={p} /></span>
                    </td>
                    <td className="hide-sm"><StockBadge product={p} /></td>
                  </tr>
                ) : (
                  <tr key={p.id}>
                    <td>
                      {p.name}
                      {p.description && <span className="muted small description">{p.description}</span>}
                    </td>
                    <td className="num">{money(p.price_cents, p.currency)}</td>
                    <td><Availability available={p.available} /></td>
                  </tr>
                ),
              )}
            </tbody>
          </table>
          <Pager nextCursor={data.next_cursor ?? null} onNext={next} onPrev={prev} hasPrev={hasPrev} />
        </TableWrap>
      )}
      <Dialog title="New product" open={dialog === 'create'} onClose={() => setDialog(null)}>
        <ProductForm
          onSave={async (body) => {
            const p = await api.createProduct(body);
            toast(`Created ${p.sku} with ${p.on_hand} in stock`);
            void queryClient.invalidateQueries({ queryKey: ['products'] });
            setDialog(null);
          }}
        />
      </Dialog>
      <ImportDialog open={dialog === 'import'} onClose={() => setDialog(null)} />
    </div>
  );
}
