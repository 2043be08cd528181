import { useQuery, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { api } from '../api/endpoints';
import { queries } from '../api/queries';
import type { Supplier } from '../api/types';
import { Empty, ErrorNotice, Loading, useToast } from '../components/Feedback';
import { Dialog, Field, useSubmit } from '../components/Form';
import { PageHeading } from '../components/Page';
import { TableWrap } from '../components/TableWrap';
import { TimeAgo } from '../components/Status';

/** Adds a supplier, or edits `supplier` when given (cleared fields are sent as empty). */
function SupplierForm({ supplier, onSaved }: { supplier?: Supplier; onSaved: () => void }) {
  const [form, setForm] = useState({
    name: supplier?.name ?? '',
    contact_email: supplier?.contact_email ?? '',
    phone: supplier?.phone ?? '',
    lead_time_days: String(supplier?.lead_time_days ?? 7),
  });
  const toast = useToast();
  const set = (k: keyof typeof form) => (e: { target: { value: string } }) => setForm({ ...form, [k]: e.target.value });
  const { error, busy, onSubmit } = useSubmit(async () => {
    const lead = Number(form.lead_time_days);
    const lead_time_days = Number.isInteger(lead) && form.lead_time_days.trim() !== '' ? lead : form.lead_time_days;
    if (supplier) {
      const s = await api.updateSupplier(supplier.id, { name: form.name, contact_email: form.contact_email, phone: form.phone, lead_time_days });
      toast(`Saved supplier ${s.name}`);
    } else {
      const s = await api.createSupplier({
        name: form.name,
        contact_email: form.contact_email || undefined,
        phone: form.phone || undefined,
        lead_time_days,
      });
      toast(`Added supplier ${s.name}`);
    }
    onSaved();
  });
  return (
    <form className="form" onSubmit={onSubmit} noValidate>
      <Field label="Name" error={error?.fieldErrors.name}>{(p) => <input {...p} value={form.name} onChange={set('name')} />}</Field>
      <Field label="Contact email" error={error?.fieldErrors.contact_email}>{(p) => <input {...p} type="email" value={form.contact_email} onChange={set('contact_email')} />}</Field>
      <Field label="Phone" error={error?.fieldErrors.phone}>{(p) => <input {...p} value={form.phone} onChange={set('phone')} />}</Field>
      <Field label="Lead time (days)" error={error?.fieldErrors.lead_time_days}>{(p) => <input {...p} inputMode="numeric" value={form.lead_time_days} onChange={set('lead_time_days')} />}</Field>
      <button type="submit" disabled={busy}>{busy ? 'Saving…' : supplier ? 'Save supplier' : 'Add supplier'}</button>
    </form>
  );
}

export default function Suppliers() {
  const [open, setOpen] = useState(false);
  const [editing, setEditing] = useState<Supplier | null>(null);
  const saved = () => {
    setOpen(false);
    setEditing(null);
    void queryClient.invalidateQueries({ queryKey: ['suppliers'] });
  };
  const queryClient = useQueryClient();
  const { data, error, isLoading, refetch } = useQuery(queries.suppliers());
  return (
    <div className="page">
      <header className="page-head">
        <PageHeading title="Suppliers" />
        <button type="button" onClick={() => setOpen(true)}>New supplier</button>
      </header>
      {isLoading ? (
        <Loading />
      ) : error ? (
        <ErrorNotice error={error} retry={() => void refetch()} />
      ) : !data?.items.length ? (
        <Empty>No suppliers yet — add one so restock advice knows lead times.</Empty>
      ) : (
        <TableWrap label="Suppliers">
          <table>
            <thead><tr><th>Name</th><th className="hide-sm">Email</th><th className="hide-sm">Phone</th><th className="num">Lead time (days)</th><th className="hide-sm">Added</th></tr></thead>
            <tbody>
              {data.items.map((s) => (
                <tr key={s.id}>
                  <td>
                    {/* The name opens the supplier for editing. */}
                    <button type="button" className="link" aria-haspopup="dialog" title="Edit supplier" onClick={() => setEditing(s)}>{s.name}</button>
                    {(s.contact_email || s.phone) && (
                      <span className="show-sm muted small">{[s.contact_email, s.phone].filter(Boolean).join(' · ')}</span>
                    )}
                  </td>
                  <td className="hide-sm">{s.contact_email}</td><td className="hide-sm">{s.phone}</td>
                  <td className="num">{s.lead_time_days}</td><td className="hide-sm"><TimeAgo at={s.created_at} /></td>

                </tr>
              ))}
            </tbody>
          </table>
        </TableWrap>
      )}
      <Dialog title="New supplier" open={open} onClose={() => setOpen(false)}>
        <SupplierForm onSaved={saved} />
      </Dialog>
      <Dialog title={editing ? `Edit ${editing.name}` : 'Edit supplier'} open={editing !== null} onClose={() => setEditing(null)}>
        {editing && <SupplierForm key={editing.id} supplier={editing} onSaved={saved} />}
      </Dialog>
    </div>
  );
}
