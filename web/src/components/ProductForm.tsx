// Create or edit a product. The API's field errors appear next to their fields; what the
// user typed is kept; the button is disabled while saving.
import { useQuery } from '@tanstack/react-query';
import { useState } from 'react';
import { queries } from '../api/queries';
import type { Product } from '../api/types';
import { Field, useSubmit } from './Form';

export interface ProductInput {
  sku: string;
  name: string;
  description: string;
  category: string;
  price: string;
  reorder_point: string;
  reorder_quantity: string;
  initial_stock: string;
  supplier_id: string;
  cost: string;
}

/** "12.50" → 1250; anything else is left for the API to reject with a field error. */
export function toCents(price: string): number | string {
  const t = price.trim();
  return /^\d+(\.\d{1,2})?$/.test(t) ? Math.round(Number(t) * 100) : t;
}

function body(input: ProductInput, creating: boolean) {
  const int = (v: string) => (/^-?\d+$/.test(v.trim()) ? Number(v) : v);
  const b: Record<string, unknown> = {
    name: input.name,
    description: input.description,
    category: input.category,
    price_cents: toCents(input.price),
    reorder_point: int(input.reorder_point || '0'),
    reorder_quantity: int(input.reorder_quantity || '0'),
    supplier_id: input.supplier_id || null,
    cost_cents: input.cost.trim() ? toCents(input.cost) : null,
  };
  if (creating) {
    b.sku = input.sku;
    b.initial_stock = int(input.initial_stock || '0');
  }
  return b;
}

export function ProductForm({ product, onSave }: { product?: Product; onSave: (body: Record<string, unknown>) => Promise<unknown> }) {
  const creating = !product;
  const [input, setInput] = useState<ProductInput>({
    sku: product?.sku ?? '',
    name: product?.name ?? '',
    description: product?.description ?? '',
    category: product?.category ?? '',
    price: product ? (product.price_cents / 100).toFixed(2) : '',
    reorder_point: String(product?.reorder_point ?? 0),
    reorder_quantity: String(product?.reorder_quantity ?? 0),
    initial_stock: '0',
    supplier_id: product?.supplier_id ?? '',
    cost: product?.cost_cents != null ? (product.cost_cents / 100).toFixed(2) : '',
  });
  const suppliers = useQuery(queries.suppliers());
  const set = (k: keyof ProductInput) => (e: { target: { value: string } }) => setInput({ ...input, [k]: e.target.value });
  const fe = (k: string) => error?.fieldErrors[k];

  const { error, busy, onSubmit } = useSubmit(() => onSave(body(input, creating)));

  const general = error && !Object.keys(error.fieldErrors).length;
  return (
    <form onSubmit={onSubmit} noValidate className="form">
      {general && (
        <p className="notice notice-error" role="alert">
          {error.friendly}
        </p>
      )}
      {creating && (
        <Field label="SKU" error={fe('sku')} hint="A-Z, 0-9, - _ . (upper-cased)">
          {(p) => <input {...p} value={input.sku} onChange={set('sku')} />}
        </Field>
      )}
      <Field label="Name" error={fe('name')}>
        {(p) => <input {...p} value={input.name} onChange={set('name')} />}
      </Field>
      <Field label="Category" error={fe('category')}>
        {(p) => <input {...p} value={input.category} onChange={set('category')} />}
      </Field>
      <Field label="Price" error={fe('price_cents')} hint="e.g. 12.50">
        {(p) => <input {...p} inputMode="decimal" value={input.price} onChange={set('price')} />}
      </Field>
      <div className="row">
        <Field label="Supplier" error={fe('supplier_id')} hint={suppliers.isError ? 'Suppliers could not be loaded' : undefined}>
          {(p) => (
            <select {...p} value={input.supplier_id} onChange={set('supplier_id')}>
              <option value="">No supplier</option>
              {suppliers.data?.items.map((s) => (
                <option key={s.id} value={s.id}>{s.name}</option>
              ))}
            </select>
          )}
        </Field>
        <Field label="Cost" error={fe('cost_cents')} hint="what one unit costs to buy, e.g. 7.20">
          {(p) => <input {...p} inputMode="decimal" value={input.cost} onChange={set('cost')} />}
        </Field>
      </div>
      <div className="row">
        <Field label="Reorder point" error={fe('reorder_point')}>
          {(p) => <input {...p} inputMode="numeric" value={input.reorder_point} onChange={set('reorder_point')} />}
        </Field>
        <Field label="Reorder quantity" error={fe('reorder_quantity')}>
          {(p) => <input {...p} inputMode="numeric" value={input.reorder_quantity} onChange={set('reorder_quantity')} />}
        </Field>
        {creating && (
          <Field label="Initial stock" error={fe('initial_stock')}>
            {(p) => <input {...p} inputMode="numeric" value={input.initial_stock} onChange={set('initial_stock')} />}
          </Field>
        )}
      </div>
      <Field label="Description" error={fe('description')}>
        {(p) => <textarea {...p} rows={3} value={input.description} onChange={set('description')} />}
      </Field>
      <button type="submit" disabled={busy}>
        {busy ? 'Saving…' : creating ? 'Create product' : 'Save changes'}
      </button>
    </form>
  );
}
