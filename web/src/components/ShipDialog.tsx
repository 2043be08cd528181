// Ship some or all of what is left of an order: a quantity per line (defaulting to the rest),
// carrier and tracking number. One Idempotency-Key per opening of the dialog, so a retry after
// a lost answer cannot ship twice.
import { useRef, useState } from 'react';
import { api } from '../api/endpoints';
import type { Order } from '../api/types';
import { newKey } from '../format';
import { leftToShip, statusLabel } from '../fulfilment';
import { Dialog } from './Dialog';
import { useToast } from './Feedback';
import { Field, useSubmit } from './Form';
import { useOrderChanged } from './useOrderChanged';

function ShipForm({ order, onDone }: { order: Order; onDone: () => void }) {
  const left = leftToShip(order);
  const open = order.lines.filter((l) => (left.get(l.product_id) ?? 0) > 0);
  const [qty, setQty] = useState<Record<string, string>>(() => Object.fromEntries(open.map((l) => [l.product_id, String(left.get(l.product_id))])));
  const [carrier, setCarrier] = useState('');
  const [tracking, setTracking] = useState('');
  const [problem, setProblem] = useState('');
  const key = useRef(newKey());
  const sent = useRef<string[]>([]);
  const toast = useToast();
  const changed = useOrderChanged();
  const { error, busy, onSubmit } = useSubmit(async () => {
    setProblem('');
    const lines = open.map((l) => ({ product_id: l.product_id, quantity: Number(qty[l.product_id] ?? 0) }));
    const bad = lines.find((l) => !Number.isInteger(l.quantity) || l.quantity < 0 || l.quantity > (left.get(l.product_id) ?? 0));
    if (bad) return setProblem('Each quantity must be a whole number from 0 to what is left to ship.');
    const shipping = lines.filter((l) => l.quantity > 0);
    if (!shipping.length) return setProblem('Enter a quantity for at least one line.');
    sent.current = shipping.map((l) => l.product_id);
    try {
      const updated = await api.ship(order.id, { lines: shipping, carrier: carrier.trim() || undefined, tracking_number: tracking.trim() || undefined }, key.current);
      const units = shipping.reduce((n, l) => n + l.quantity, 0);
      toast(`Shipped ${units} ${units === 1 ? 'unit' : 'units'} of ${updated.number}; it is now ${statusLabel(updated.status)}`);
      changed(updated);
      onDone();
    } catch (e) {
      // A definite refusal (409: more than is left) is kept with its key; different quantities
      // are a new request and need a new key. Network errors and 5xx keep it, so a retry is safe.
      const status = (e as { status?: number }).status ?? 0;
      if (status >= 400 && status < 500) key.current = newKey();
      throw e;
    }
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
      {open.map((l) => (
        <Field key={l.product_id} label={`${l.name || l.sku} (${left.get(l.product_id)} left to ship)`} error={lineError(l.product_id)}>
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
      <Field label="Carrier (optional)" error={error?.fieldErrors.carrier}>
        {(p) => <input {...p} value={carrier} placeholder="e.g. DHL" onChange={(e) => setCarrier(e.target.value)} />}
      </Field>
      <Field label="Tracking number (optional)" error={error?.fieldErrors.tracking_number}>
        {(p) => <input {...p} value={tracking} onChange={(e) => setTracking(e.target.value)} />}
      </Field>
      <div className="dialog-actions">
        <button type="submit" disabled={busy}>
          {busy ? 'Shipping…' : 'Ship'}
        </button>
      </div>
    </form>
  );
}

export function ShipDialog({ order, open, onClose }: { order: Order; open: boolean; onClose: () => void }) {
  // The form mounts on every opening (the dialog renders its body only while open): fresh
  // quantities from what is left now, and a fresh key.
  return (
    <Dialog title={`Ship ${order.number}`} open={open} onClose={onClose}>
      <ShipForm order={order} onDone={onClose} />
    </Dialog>
  );
}
