// A shipping address: the fields the orders API takes, each showing its own error from the
// problem+json `errors` (`shipping_address.city` → the City field). Country is a select of
// ISO 3166-1 alpha-2 codes, so only codes the server accepts can be chosen.
import { useMemo } from 'react';
import type { ShippingAddress } from '../api/types';
import { countries } from '../countries';
import { Field } from './Form';

export interface AddressDraft {
  name: string;
  line1: string;
  line2: string;
  city: string;
  region: string;
  postal_code: string;
  country: string;
  phone: string;
}

export const EMPTY_ADDRESS: AddressDraft = { name: '', line1: '', line2: '', city: '', region: '', postal_code: '', country: '', phone: '' };

/** The address as the API takes it: trimmed, optional parts left out when empty. */
export function toAddress(d: AddressDraft): ShippingAddress {
  const optional = (v: string) => (v.trim() ? v.trim() : undefined);
  return {
    name: d.name.trim(),
    line1: d.line1.trim(),
    line2: optional(d.line2),
    city: d.city.trim(),
    region: optional(d.region),
    postal_code: d.postal_code.trim(),
    // The select offers only the API's codes; an unchosen one is refused by name (422).
    country: d.country as ShippingAddress['country'],
    phone: optional(d.phone),
  };
}

interface Props {
  value: AddressDraft;
  onChange: (next: AddressDraft) => void;
  errors?: Record<string, string>;
  /** Where the API reports this address's field errors. */
  prefix?: string;
}

const TEXT_FIELDS: { key: Exclude<keyof AddressDraft, 'country'>; label: string; autoComplete: string; type?: string }[] = [
  { key: 'name', label: 'Recipient name', autoComplete: 'shipping name' },
  { key: 'line1', label: 'Address line 1', autoComplete: 'shipping address-line1' },
  { key: 'line2', label: 'Address line 2 (optional)', autoComplete: 'shipping address-line2' },
  { key: 'city', label: 'City', autoComplete: 'shipping address-level2' },
  { key: 'region', label: 'Region or state (optional)', autoComplete: 'shipping address-level1' },
  { key: 'postal_code', label: 'Postal code', autoComplete: 'shipping postal-code' },
];

export function AddressFields({ value, onChange, errors = {}, prefix = 'shipping_address' }: Props) {
  const options = useMemo(countries, []);
  const set = (key: keyof AddressDraft) => (e: { target: { value: string } }) => onChange({ ...value, [key]: e.target.value });
  const error = (key: keyof AddressDraft) => errors[`${prefix}.${key}`];
  return (
    <fieldset className="address">
      <legend>Shipping address</legend>
      {TEXT_FIELDS.map((f) => (
        <Field key={f.key} label={f.label} error={error(f.key)}>
          {(p) => <input {...p} autoComplete={f.autoComplete} value={value[f.key]} onChange={set(f.key)} />}
        </Field>
      ))}
      <Field label="Country" error={error('country')}>
        {(p) => (
          <select {...p} autoComplete="shipping country" value={value.country} onChange={set('country')}>
            <option value="">Choose a country</option>
            {options.map(([code, name]) => (
              <option key={code} value={code}>
                {name}
              </option>
            ))}
          </select>
        )}
      </Field>
      <Field label="Phone (optional)" error={error('phone')} hint="For the carrier, if they need to call">
        {(p) => <input {...p} type="tel" autoComplete="shipping tel" value={value.phone} onChange={set('phone')} />}
      </Field>
    </fieldset>
  );
}
