// A shipping address as it is written on a parcel, or "Pickup" when the order has none.
import type { ShippingAddress } from '../api/types';
import { countryName } from '../countries';

export function AddressView({ address }: { address?: ShippingAddress | null }) {
  if (!address) return <p>Pickup — no shipping address.</p>;
  const cityLine = [address.postal_code, address.city, address.region].filter(Boolean).join(' ');
  return (
    <address className="address-view">
      {address.name}
      <br />
      {address.line1}
      {address.line2 && (
        <>
          <br />
          {address.line2}
        </>
      )}
      <br />
      {cityLine}
      <br />
      {countryName(address.country)}
      {address.phone && (
        <>
          <br />
          <span className="muted small">Phone {address.phone}</span>
        </>
      )}
    </address>
  );
}
