// "Return items": the customer (or staff on their behalf) picks how many of each shipped line
// to send back, up to what was shipped minus what is already being returned, and says why.
import { useQueryClient } from '@tanstack/react-query';
import { useRef, useState } from 'react';
import { api } from '../api/endpoints';
import type { Order } from '../api/types';
import { returnable } from '../fulfilment';
import { Dialog } from './Dialog';
import { useToast } from './Feedback';
import { Field, useSubmit } from './Form';

function ReturnForm({ order, onDone }: { order: Order; onDone: () => void }) {
  const most = returnable(order);
  const lines = order.lines.filter((l) => (most.get(l.product_id) ?? 0) > 0);
  const [qty, setQty] = useState<Record<string, string>>({});
  const [reason, setReason] = useState('');
  const [problem, setProblem] = useState('');
  const sent = useRef<string[]>([]);
  const toast = useToast();
  const queryClient = useQueryClient();
  const { error, busy, onSubmit } = useSubmit(async () => {
    setProblem('');
    const wanted = lines.map((l) => ({ product_id: l.product_id, quantity: Number(qty[l.product_id] || 0) }));
    if (wanted.some((l) => !Number.isInteger(l.quantity) || l.quantity < 0 || l.quantity > (most.get(l.product_id) ?? 0))) {
      return setProblem('Each quantity must be a whole number up to what you can return.');
    }
    const back = wanted.filter((l) => l.quantity > 0);
    if (!back.length) return setProblem('Enter how many of at least one item you are returning.');
    if (!reason.trim()) return setProblem('Say why you are returning them.');
    sent.current = back.map((l) => l.product_id);
    await api.requestReturn(order.id, { lines: back, reason: reason.trim() });
    const units = back.reduce((n, l) => n + l.quantity, 0);
    toast(`Return of ${units} ${units === 1 ? 'item' : 'items'} from ${order.number} requested`);
    void queryClient.invalidateQueries({ queryKey: ['order', order.id] });
    void queryClient.invalidateQueries({ queryKey: ['returns'] });
    onDone();
  });
  const lineError = (productId: string) => {
    const i = sent.current.indexOf(productId);
    return i >= 0 ? error?.fieldErrors[`lines[${i}].quantity`] : undefined;
  };
  return (
    <form className="form" onSubmit={onSubmit} noValidate>
      {(problem || (error && !Object.keys(error.fieldErrors).length)) && (
        <p className="notice notice-error" role="alert">
          {problem || error?.friendly}
        </p>
      )}
      {lines.map((l) => (
        <Field key={l.product_id} label={`${l.name || l.sku} (up to ${most.get(l.product_id)})`} error={lineError(l.product_id)}>
          {(p) => (
            <input
              {...p}
              inputMode="numeric"
              placeholder="0"
              value={qty[l.product_id] ?? ''}
              onChange={(e) => setQty({ ...qty, [l.product_id]: e.target.value })}
            />
          )}
        </Field>
      ))}
      <Field label="Reason" error={error?.fieldErrors.reason}>
        {(p) => <textarea {...p} rows={3} value={reason} onChange={(e) => setReason(e.target.value)} />}
      </Field>
      <div className="dialog-actions">
        <button type="submit" disabled={busy}>
          {busy ? 'Sending…' : 'Request return'}
        </button>
      </div>
    </form>
  );
}

export function ReturnRequestDialog({ order, open, onClose }: { order: Order; open: boolean; onClose: () => void }) {
  return (
    <Dialog title={`Return items from ${order.number}`} open={open} onClose={onClose}>
      <ReturnForm order={order} onDone={onClose} />
    </Dialog>
  );
}
