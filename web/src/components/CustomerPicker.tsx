// Staff placing an order by phone choose whose order it is. Nobody chosen: the order is the
// signed-in user's own, as before. The search also filters here, so a server that ignores `q`
// (or `role`) still shows only matching customers.
import { useQuery } from '@tanstack/react-query';
import { useDeferredValue, useEffect, useRef, useState } from 'react';
import { ApiError } from '../api/client';
import { queries } from '../api/queries';
import type { User } from '../api/types';
import { ErrorNotice, Loading } from './Feedback';
import { Field } from './Form';

export function matches(user: User, q: string): boolean {
  const needle = q.trim().toLowerCase();
  return user.role === 'customer' && !user.disabled && (!needle || user.email.includes(needle) || user.name.toLowerCase().includes(needle));
}

/** The chosen customer. Picking removed the button in focus: focus moves to "Change customer". */
function Picked({ customer, onChange, error }: { customer: User; onChange: () => void; error?: string }) {
  const change = useRef<HTMLButtonElement>(null);
  useEffect(() => change.current?.focus(), []);
  return (
    <div className="field">
      <span className="label">Customer</span>
      <p className="picked">
        <strong>{customer.name}</strong> <span className="muted">{customer.email}</span>{' '}
        <button ref={change} type="button" className="link" onClick={onChange}>
          Change customer
        </button>
      </p>
      {error && <span className="field-error">{error}</span>}
    </div>
  );
}

interface Props {
  value: User | null;
  onChange: (customer: User | null) => void;
  error?: string;
}

export function CustomerPicker({ value, onChange, error }: Props) {
  const [q, setQ] = useState('');
  const query = useDeferredValue(q.trim());
  const found = useQuery({ ...queries.customers(query), enabled: !value && query.length > 0 });
  if (value) return <Picked customer={value} onChange={() => onChange(null)} error={error} />;
  const forbidden = found.error instanceof ApiError && found.error.status === 403;
  const items = (found.data?.items ?? []).filter((u) => matches(u, query)).slice(0, 8);
  return (
    <div className="customer-picker">
      <Field label="Customer (optional)" error={error} hint="Search by email or name; leave empty to order for yourself">
        {(p) => <input {...p} type="search" autoComplete="off" value={q} onChange={(e) => setQ(e.target.value)} />}
      </Field>
      {query &&
        (found.isLoading ? (
          <Loading label="Looking up customers" />
        ) : forbidden ? (
          <p className="notice notice-warn" role="status">
            Only an admin can look up customers yet. Ask an admin to place this order, or leave the customer empty.
          </p>
        ) : found.error ? (
          <ErrorNotice error={found.error} />
        ) : items.length === 0 ? (
          <p className="muted small" role="status">
            No customer matches “{query}”.
          </p>
        ) : (
          <ul className="pick-list" aria-label="Matching customers">
            {items.map((u) => (
              <li key={u.id}>
                <button type="button" className="secondary" onClick={() => onChange(u)}>
                  {u.name} <span className="muted small">{u.email}</span>
                </button>
              </li>
            ))}
          </ul>
        ))}
    </div>
  );
}
