// Receiving a return: for each line, how many came back and whether they go back on the shelf
// (restock: a `returned` stock movement) or are written off (damaged). One Idempotency-Key per
// opening of the dialog, so a retry after a lost answer books nothing twice.
import { useQueryClient } from '@tanstack/react-query';
import { useRef, useState } from 'react';
import { api } from '../api/endpoints';
import type { OrderReturn, ReturnCondition } from '../api/types';
import { money, newKey } from '../format';
import { Dialog } from './Dialog';
import { useToast } from './Feedback';
import { Field, useSubmit } from './Form';
import { useLineNames } from './ReturnLines';

interface LineChoice {
  quantity: string;
  condition: ReturnCondition;
}

function ReceiveForm({ ret, currency, onDone }: { ret: OrderReturn; currency: string; onDone: () => void }) {
  const names = useLineNames(ret);
  const [choices, setChoices] = useState<LineChoice[]>(() => ret.lines.map((l) => ({ quantity: String(l.quantity), condition: 'restock' })));
  const [problem, setProblem] = useState('');
  const key = useRef(newKey());
  const toast = useToast();
  const queryClient = useQueryClient();
  const set = (i: number, change: Partial<LineChoice>) => setChoices(choices.map((c, j) => (j === i ? { ...c, ...change } : c)));
  const { error, busy, onSubmit } = useSubmit(async () => {
    setProblem('');
    const lines = ret.lines.map((l, i) => ({ product_id: l.product_id, quantity: Number(choices[i].quantity), condition: choices[i].condition }));
    if (lines.some((l, i) => !Number.isInteger(l.quantity) || l.quantity < 0 || l.quantity > ret.lines[i].quantity)) {
      return setProblem('Each quantity must be a whole number up to what the customer asked to return.');
    }
    const received = await api.receiveReturn(ret.id, lines.filter((l) => l.quantity > 0), key.current);
    const count = (c: ReturnCondition) => lines.filter((l) => l.condition === c).reduce((n, l) => n + l.quantity, 0);
    const refund = received.refund_cents != null ? `; refund ${money(received.refund_cents, currency)}` : '';
    toast(`Return received: ${count('restock')} restocked, ${count('damaged')} written off${refund}`);
    for (const k of ['returns', 'order', 'orders', 'products', 'dashboard']) void queryClient.invalidateQueries({ queryKey: [k] });
    onDone();
  });
  return (
    <form className="form" onSubmit={onSubmit} noValidate>
      {(problem || (error && !Object.keys(error.fieldErrors).length)) && (
        <p className="notice notice-error" role="alert">
          {problem || error?.friendly}
        </p>
      )}
      {ret.lines.map((l, i) => {
        const name = names.get(l.product_id) ?? 'item';
        return (
          <fieldset key={i} className="line-choice">
            <legend>
              {name} ({l.quantity} asked)
            </legend>
            <Field label={`${name}: quantity received`} error={error?.fieldErrors[`lines[${i}].quantity`]}>
              {(p) => <input {...p} inputMode="numeric" value={choices[i].quantity} onChange={(e) => set(i, { quantity: e.target.value })} />}
            </Field>
            <Field label={`${name}: condition`} error={error?.fieldErrors[`lines[${i}].condition`]}>
              {(p) => (
                <select {...p} value={choices[i].condition} onChange={(e) => set(i, { condition: e.target.value as ReturnCondition })}>
                  <option value="restock">Restock</option>
                  <option value="damaged">Damaged (write off)</option>
                </select>
              )}
            </Field>
          </fieldset>
        );
      })}
      <div className="dialog-actions">
        <button type="submit" disabled={busy}>
          {busy ? 'Receiving…' : 'Receive return'}
        </button>
      </div>
    </form>
  );
}

export function ReceiveReturnDialog({ ret, currency, onClose }: { ret: OrderReturn | null; currency: string; onClose: () => void }) {
  return (
    <Dialog title="Receive return" open={ret !== null} onClose={onClose}>
      {ret && <ReceiveForm ret={ret} currency={currency} onDone={onClose} />}
    </Dialog>
  );
}

function RejectForm({ ret, onDone }: { ret: OrderReturn; onDone: () => void }) {
  const [reason, setReason] = useState('');
  const [problem, setProblem] = useState('');
  const toast = useToast();
  const queryClient = useQueryClient();
  const { error, busy, onSubmit } = useSubmit(async () => {
    if (!reason.trim()) return setProblem('Say why the return is rejected; the customer sees it.');
    setProblem('');
    await api.rejectReturn(ret.id, reason.trim());
    toast('Return rejected');
    for (const k of ['returns', 'order']) void queryClient.invalidateQueries({ queryKey: [k] });
    onDone();
  });
  return (
    <form className="form" onSubmit={onSubmit} noValidate>
      {(problem || (error && !error.fieldErrors.reason)) && (
        <p className="notice notice-error" role="alert">
          {problem || error?.friendly}
        </p>
      )}
      <Field label="Reason" error={error?.fieldErrors.reason}>
        {(p) => <textarea {...p} rows={3} value={reason} onChange={(e) => setReason(e.target.value)} />}
      </Field>
      <div className="dialog-actions">
        <button type="submit" className="danger" disabled={busy}>
          {busy ? 'Rejecting…' : 'Reject return'}
        </button>
      </div>
    </form>
  );
}

export function RejectReturnDialog({ ret, onClose }: { ret: OrderReturn | null; onClose: () => void }) {
  return (
    <Dialog title="Reject return" open={ret !== null} onClose={onClose}>
      {ret && <RejectForm ret={ret} onDone={onClose} />}
    </Dialog>
  );
}
