// One purchase order: its lines, the goods-in form (each line defaulting to what is still to
// come), editing while it is a draft, its history, and a print view to send to the supplier.
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { Link, useParams } from 'react-router';
import { toApiError } from '../api/client';
import { api } from '../api/endpoints';
import { queries } from '../api/queries';
import type { PurchaseOrder } from '../api/types';
import { useConfirm } from '../components/Dialog';
import { ErrorNotice, Loading, useToast } from '../components/Feedback';
import { Field, useSubmit } from '../components/Form';
import { PageHeading, useDocumentTitle, useFocusHeadingOnChange } from '../components/Page';
import { TimeAgo } from '../components/Status';
import { exact, money, newKey } from '../format';
import { statusLabel } from './Purchasing';

const rest = (l: { quantity_ordered: number; quantity_received: number }) => l.quantity_ordered - l.quantity_received;

function useRefresh(id: string) {
  const queryClient = useQueryClient();
  return (po: PurchaseOrder) => {
    queryClient.setQueryData(['purchase-orders', 'one', id], po);
    for (const key of ['purchase-orders', 'products', 'restock', 'dashboard']) void queryClient.invalidateQueries({ queryKey: [key] });
  };
}

/** Goods in: one quantity per line still open, defaulting to the rest. */
function ReceiveForm({ po }: { po: PurchaseOrder }) {
  const open = po.lines.filter((l) => rest(l) > 0);
  const initial = () => Object.fromEntries(open.map((l) => [l.product_id, String(rest(l))]));
  const [qty, setQty] = useState<Record<string, string>>(initial);
  const [note, setNote] = useState('');
  // One key per receipt: a retry after a lost answer is recognised and not booked twice.
  const [key, setKey] = useState(newKey);
  const toast = useToast();
  const refresh = useRefresh(po.id);
  const { error, busy, onSubmit } = useSubmit(async () => {
    const lines = open
      .map((l) => ({ product_id: l.product_id, quantity: Number(qty[l.product_id] ?? 0) }))
      .filter((l) => l.quantity > 0);
    const updated = await api.receivePurchaseOrder(po.id, lines, note, key);
    const units = lines.reduce((n, l) => n + l.quantity, 0);
    toast(`Received ${units} units on ${updated.number}; it is now ${statusLabel(updated.status)}`);
    refresh(updated);
    setKey(newKey());
    setNote('');
    setQty(Object.fromEntries(updated.lines.filter((l) => rest(l) > 0).map((l) => [l.product_id, String(rest(l))])));
  });
  return (
    <section className="card no-print" aria-labelledby="receive-title">
      <h2 id="receive-title">Receive goods</h2>
      <form className="form" onSubmit={onSubmit} noValidate>
        {error && (
          <p className="notice notice-error" role="alert">
            {error.friendly}
          </p>
        )}
        {open.map((l, i) => (
          <Field key={l.product_id} label={`${l.sku} — ${l.name} (${rest(l)} to come)`} error={error?.fieldErrors[`lines[${i}].quantity`]}>
            {(p) => (
              <input
                {...p}
                inputMode="numeric"
                value={qty[l.product_id] ?? ''}
                onChange={(e) => setQty({ ...qty, [l.product_id]: e.target.value })}
              />
            )}
          </Field>
        ))}
        <Field label="Note" error={error?.fieldErrors.note}>
          {(p) => <input {...p} value={note} placeholder="e.g. delivery note number" onChange={(e) => setNote(e.target.value)} />}
        </Field>
        <button type="submit" disabled={busy}>{busy ? 'Receiving…' : 'Receive'}</button>
      </form>
    </section>
  );
}

/** A draft's quantities, costs and note, editable until it is ordered. */
function DraftForm({ po }: { po: PurchaseOrder }) {
  const [lines, setLines] = useState(() =>
    po.lines.map((l) => ({ product_id: l.product_id, label: `${l.sku} — ${l.name}`, quantity: String(l.quantity_ordered) })),
  );
  const [note, setNote] = useState(po.note ?? '');
  const toast = useToast();
  const refresh = useRefresh(po.id);
  const { error, busy, onSubmit } = useSubmit(async () => {
    const body = {
      note: note || null,
      lines: lines
        .filter((l) => l.quantity.trim() !== '0')
        .map((l) => {
          const n = Number(l.quantity);
          return { product_id: l.product_id, quantity: Number.isInteger(n) ? n : l.quantity };
        }),
    };
    const updated = await api.updatePurchaseOrder(po.id, body);
    toast(`Saved draft ${updated.number}`);
    refresh(updated);
  });
  return (
    <section className="card no-print" aria-labelledby="draft-title">
      <h2 id="draft-title">Edit draft</h2>
      <form className="form" onSubmit={onSubmit} noValidate>
        {error && !Object.keys(error.fieldErrors).length && (
          <p className="notice notice-error" role="alert">{error.friendly}</p>
        )}
        {lines.map((l, i) => (
          <Field key={l.product_id} label={`${l.label}: quantity`} error={error?.fieldErrors[`lines[${i}].quantity`]} hint="0 removes the line">
            {(p) => (
              <input
                {...p}
                inputMode="numeric"
                value={l.quantity}
                onChange={(e) => setLines(lines.map((x, j) => (j === i ? { ...x, quantity: e.target.value } : x)))}
              />
            )}
          </Field>
        ))}
        <Field label="Note for the supplier" error={error?.fieldErrors.note}>
          {(p) => <textarea {...p} rows={2} value={note} onChange={(e) => setNote(e.target.value)} />}
        </Field>
        <button type="submit" className="secondary" disabled={busy}>{busy ? 'Saving…' : 'Save draft'}</button>
      </form>
    </section>
  );
}

export default function PurchaseOrderDetail() {
  const { id = '' } = useParams();
  const toast = useToast();
  const confirm = useConfirm();
  const refresh = useRefresh(id);
  const { data: po, error, isLoading, refetch } = useQuery(queries.purchaseOrder(id));
  const step = useMutation({
    mutationFn: (s: 'order' | 'cancel' | 'close') => api.purchaseOrderStep(id, s),
    onSuccess: (updated) => {
      toast(`${updated.number} is now ${statusLabel(updated.status)}`);
      refresh(updated);
    },
    onError: (e) => toast(toApiError(e).friendly, 'error'),
  });
  useDocumentTitle(po ? `Purchase order ${po.number}` : 'Purchase order');
  useFocusHeadingOnChange(po?.status);

  const ask = async (s: 'cancel' | 'close') => {
    if (!po) return;
    const ok = await confirm({
      title: s === 'cancel' ? `Cancel ${po.number}?` : `Close ${po.number}?`,
      body: <p>{s === 'cancel' ? 'Nothing has been received; the order will not be sent or expected.' : 'What has not arrived yet will not come; it stops counting as on order.'}</p>,
      action: s === 'cancel' ? 'Cancel order' : 'Close order',
      danger: true,
    });
    if (ok) step.mutate(s);
  };

  if (isLoading) return <Loading />;
  if (error || !po) return <ErrorNotice error={error} retry={() => void refetch()} />;
  const receiving = po.status === 'ordered' || po.status === 'partially_received';
  return (
    <div className="page">
      <header className="page-head">
        <PageHeading title={`Purchase order ${po.number}`}>
          Purchase order <span className="order-no">{po.number}</span>{' '}
          <span className={`pill pill-${po.status}`}>{statusLabel(po.status)}</span>
        </PageHeading>
        <div className="po-actions">
          {po.status === 'draft' && (
            <button type="button" disabled={step.isPending} onClick={() => step.mutate('order')}>Place order</button>
          )}
          {(po.status === 'draft' || po.status === 'ordered') && (
            <button type="button" className="danger" disabled={step.isPending} onClick={() => void ask('cancel')}>Cancel</button>
          )}
          {po.status === 'partially_received' && (
            <button type="button" className="danger" disabled={step.isPending} onClick={() => void ask('close')}>Close</button>
          )}
          <button type="button" className="secondary" onClick={() => window.print()}>Print</button>
        </div>
      </header>
      <p className="muted">
        To <strong>{po.supplier_name}</strong> · created <TimeAgo at={po.created_at} />
        {po.expected_at && <> · expected <time dateTime={po.expected_at}>{exact(po.expected_at)}</time></>}
        {po.note && <> · note: “{po.note}”</>}
      </p>
      <p className="po-print-only">Please deliver the goods below and quote {po.number} on the delivery note.</p>
      <section className="card">
        <h2>Lines</h2>
        <table>
          <thead>
            <tr>
              <th>Product</th><th className="num">Ordered</th><th className="num">Received</th><th className="num no-print">To come</th>
              <th className="num">Unit cost</th><th className="num">Total</th>
            </tr>
          </thead>
          <tbody>
            {po.lines.map((l) => (
              <tr key={l.product_id}>
                <td><Link to={`/products/${l.product_id}`}>{l.name}</Link> <span className="muted small sku">{l.sku}</span></td>
                <td className="num">{l.quantity_ordered}</td>
                <td className="num">{l.quantity_received}</td>
                <td className="num no-print">{rest(l)}</td>
                <td className="num">{l.unit_cost_cents == null ? '—' : money(l.unit_cost_cents, po.currency)}</td>
                <td className="num">{l.unit_cost_cents == null ? '—' : money(l.unit_cost_cents * l.quantity_ordered, po.currency)}</td>
              </tr>
            ))}
          </tbody>
          <tfoot>
            <tr><th colSpan={5}>Total (known costs)</th><th className="num">{money(po.total_cents, po.currency)}</th></tr>
          </tfoot>
        </table>
      </section>
      {po.status === 'draft' && <DraftForm key={po.updated_at} po={po} />}
      {receiving && <ReceiveForm key={po.updated_at} po={po} />}
      <section className="card no-print">
        <h2>History</h2>
        <ol className="timeline">
          {po.history.map((h, i) => (
            <li key={i}>
              <span className={`pill pill-${h.status}`}>{statusLabel(h.status)}</span> <TimeAgo at={h.at} />
              {h.note && <span className="muted"> — {h.note}</span>}
            </li>
          ))}
        </ol>
      </section>
    </div>
  );
}
