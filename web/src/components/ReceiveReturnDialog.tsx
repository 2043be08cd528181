// Receiving a return: for each line, how many go back on the shelf (restock: a `returned`
// stock movement) and how many came back damaged (written off); a line may be split over
// both. One Idempotency-Key per opening of the dialog, so a retry after a lost answer books
// nothing twice; a definite refusal renews it, as the corrected lines are another request.
import { useQueryClient } from '@tanstack/react-query';
import { useRef, useState } from 'react';
import { api } from '../api/endpoints';
import type { OrderReturn, ReturnCondition } from '../api/types';
import { money, newKey } from '../format';
import { Dialog } from './Dialog';
import { useToast } from './Feedback';
import { Field, useSubmit } from './Form';

type Counts = Record<ReturnCondition, string>;

function ReceiveForm({ ret, onDone }: { ret: OrderReturn; onDone: () => void }) {
  const [counts, setCounts] = useState<Counts[]>(() => ret.lines.map((l) => ({ restock: String(l.quantity), damaged: '0' })));
  const [problem, setProblem] = useState('');
  const key = useRef(newKey());
  const sent = useRef<string[]>([]);
  const toast = useToast();
  const queryClient = useQueryClient();
  const set = (i: number, c: ReturnCondition, v: string) => setCounts(counts.map((x, j) => (j === i ? { ...x, [c]: v } : x)));
  const { error, busy, onSubmit } = useSubmit(async () => {
    setProblem('');
    const numbers = counts.map((c) => ({ restock: Number(c.restock || 0), damaged: Number(c.damaged || 0) }));
    const bad = numbers.some((n, i) => ![n.restock, n.damaged].every((x) => Number.isInteger(x) && x >= 0) || n.restock + n.damaged > ret.lines[i].quantity);
    if (bad) return setProblem('For each product, restocked and damaged together can be at most what was asked back.');
    const lines = ret.lines.flatMap((l, i) =>
      (['restock', 'damaged'] as const)
        .filter((c) => numbers[i][c] > 0)
        .map((condition) => ({ product_id: l.product_id, quantity: numbers[i][condition], condition })),
    );
    if (!lines.length) return setProblem('Nothing came back? Reject the return instead.');
    sent.current = lines.map((l) => `${l.product_id}/${l.condition}`);
    try {
      const received = await api.receiveReturn(ret.id, lines, key.current);
      const total = (c: ReturnCondition) => lines.filter((l) => l.condition === c).reduce((n, l) => n + l.quantity, 0);
      toast(
        `Return for ${received.order_number} received: ${total('restock')} restocked, ${total('damaged')} written off; refund ${money(received.refund_cents, received.currency)}`,
      );
      for (const k of ['returns', 'order', 'orders', 'products', 'dashboard']) void queryClient.invalidateQueries({ queryKey: [k] });
      onDone();
    } catch (e) {
      const status = (e as { status?: number }).status ?? 0;
      if (status >= 400 && status < 500) key.current = newKey();
      throw e;
    }
  });
  const lineError = (productId: string) =>
    sent.current.flatMap((k, i) => (k.startsWith(`${productId}/`) ? [error?.fieldErrors[`lines[${i}].quantity`]] : [])).find(Boolean);
  return (
    <form className="form" onSubmit={onSubmit} noValidate>
      <p className="muted small">
        {ret.order_number} · “{ret.reason}”
      </p>
      {(problem || (error && !Object.keys(error.fieldErrors).length)) && (
        <p className="notice notice-error" role="alert">
          {problem || error?.friendly}
        </p>
      )}
      {ret.lines.map((l, i) => (
        // The legend names the product on screen; the hidden prefix keeps each field's name unique.
        <fieldset key={l.product_id} className="line-choice">
          <legend>
            {l.name || l.sku} ({l.quantity} asked back)
          </legend>
          <Field label={<><span className="visually-hidden">{l.name || l.sku}: </span>Back on the shelf</>} error={lineError(l.product_id)}>
            {(p) => <input {...p} inputMode="numeric" value={counts[i].restock} onChange={(e) => set(i, 'restock', e.target.value)} />}
          </Field>
          <Field label={<><span className="visually-hidden">{l.name || l.sku}: </span>Damaged, written off</>}>
            {(p) => <input {...p} inputMode="numeric" value={counts[i].damaged} onChange={(e) => set(i, 'damaged', e.target.value)} />}
          </Field>
        </fieldset>
      ))}
      <div className="dialog-actions">
        <button type="submit" disabled={busy}>
          {busy ? 'Receiving…' : 'Receive return'}
        </button>
      </div>
    </form>
  );
}

export function ReceiveReturnDialog({ ret, onClose }: { ret: OrderReturn | null; onClose: () => void }) {
  return (
    <Dialog title="Receive return" open={ret !== null} onClose={onClose}>
      {ret && <ReceiveForm ret={ret} onDone={onClose} />}
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
    const rejected = await api.rejectReturn(ret.id, reason.trim());
    toast(`Return for ${rejected.order_number} rejected`);
    for (const k of ['returns', 'order', 'dashboard']) void queryClient.invalidateQueries({ queryKey: [k] });
    onDone();
  });
  return (
    <form className="form" onSubmit={onSubmit} noValidate>
      <p className="muted small">
        {ret.order_number} · “{ret.reason}”
      </p>
      {(problem || (error && !error.fieldErrors.reason)) && (
        <p className="notice notice-error" role="alert">
          {problem || error?.friendly}
        </p>
      )}
      <Field label="Reason" error={error?.fieldErrors.reason} hint="The customer sees it">
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
