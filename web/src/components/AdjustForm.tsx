// Record a stock change with its reason.
import { useState } from 'react';
import type { Product } from '../api/types';
import { Field, useSubmit } from './Form';

const REASONS = [
  ['received', 'Received (+)'],
  ['returned', 'Returned (+)'],
  ['damaged', 'Damaged (−)'],
  ['lost', 'Lost (−)'],
  ['correction', 'Correction (±)'],
] as const;

export function AdjustForm({ product, onSave }: { product: Product; onSave: (b: { delta: number; reason: string; note?: string }) => Promise<unknown> }) {
  const [reason, setReason] = useState<string>('received');
  const [amount, setAmount] = useState('');
  const [note, setNote] = useState('');

  const { error, busy, onSubmit } = useSubmit(() => {
    const n = Number(amount);
    // Damaged and lost remove stock: the user types how many, the sign follows the reason.
    const delta = reason === 'damaged' || reason === 'lost' ? -Math.abs(n) : reason === 'correction' ? n : Math.abs(n);
    return onSave({ delta, reason, note: note || undefined });
  });

  return (
    <form onSubmit={onSubmit} noValidate className="form">
      <p className="muted">
        {product.name}: {product.on_hand} on hand, {product.reserved} reserved.
      </p>
      {error && !error.fieldErrors.delta && (
        <p className="notice notice-error" role="alert">
          {error.friendly}
        </p>
      )}
      <Field label="Reason" error={error?.fieldErrors.reason}>
        {(p) => (
          <select {...p} value={reason} onChange={(e) => setReason(e.target.value)}>
            {REASONS.map(([v, l]) => (
              <option key={v} value={v}>
                {l}
              </option>
            ))}
          </select>
        )}
      </Field>
      <Field label={reason === 'correction' ? 'Change (negative to remove)' : 'Units'} error={error?.fieldErrors.delta}>
        {(p) => <input {...p} inputMode="numeric" value={amount} onChange={(e) => setAmount(e.target.value)} />}
      </Field>
      <Field label="Note" error={error?.fieldErrors.note}>
        {(p) => <input {...p} value={note} onChange={(e) => setNote(e.target.value)} />}
      </Field>
      <button type="submit" disabled={busy || !amount}>
        {busy ? 'Saving…' : 'Record change'}
      </button>
    </form>
  );
}
