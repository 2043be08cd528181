// A new order from the catalogue: search, add to the cart, see live availability and total;
// pickup or a shipping address, and for staff taking a phone order, whose order it is.
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useMemo, useRef, useState } from 'react';
import { useNavigate } from 'react-router';
import { ApiError, toApiError } from '../api/client';
import { api } from '../api/endpoints';
import { queries } from '../api/queries';
import type { Product, User } from '../api/types';
import { isStaff, useAuth } from '../auth/AuthContext';
import { AddressFields, EMPTY_ADDRESS, toAddress } from '../components/AddressFields';
import { CustomerPicker } from '../components/CustomerPicker';
import { Empty, ErrorNotice, Loading, useToast } from '../components/Feedback';
import { Field } from '../components/Form';
import { PageHeading } from '../components/Page';
import { StockBadge } from '../components/Status';
import { money, newKey } from '../format';

export default function OrderNew() {
  const [q, setQ] = useState('');
  const [cart, setCart] = useState<Map<string, { product: Product; quantity: number }>>(new Map());
  const [note, setNote] = useState('');
  const [shipping, setShipping] = useState(false);
  const [address, setAddress] = useState(EMPTY_ADDRESS);
  const [customer, setCustomer] = useState<User | null>(null);
  const { user } = useAuth();
  const staff = isStaff(user);
  const [error, setError] = useState<ApiError | null>(null);
  const [announcement, setAnnouncement] = useState('');
  const cartHeading = useRef<HTMLHeadingElement>(null);
  // One key per attempt: a retry after a network error cannot place the order twice.
  const key = useRef(newKey());
  const toast = useToast();
  const navigate = useNavigate();
  const queryClient = useQueryClient();
  const products = useQuery(queries.catalogue(q));

  const lines = [...cart.values()];
  const currency = lines[0]?.product.currency ?? products.data?.items[0]?.currency ?? 'USD';
  const total = useMemo(() => lines.reduce((sum, l) => sum + l.product.price_cents * l.quantity, 0), [lines]);
  const units = lines.reduce((sum, l) => sum + l.quantity, 0);

  const place = useMutation({
    mutationFn: () =>
      api.placeOrder(
        {
          lines: lines.map((l) => ({ product_id: l.product.id, quantity: l.quantity })),
          note,
          shipping_address: shipping ? toAddress(address) : undefined,
          customer_id: customer?.id,
        },
        key.current,
      ),
    onSuccess: (order) => {
      const whose = customer ? ` for ${customer.name}` : '';
      toast(`Order ${order.number} confirmed${whose} — ${money(order.total_cents, order.currency)}`);
      void queryClient.invalidateQueries({ queryKey: ['orders'] });
      void queryClient.invalidateQueries({ queryKey: ['products'] });
      navigate(`/orders/${order.id}`);
    },
    onError: (err) => {
      const e = toApiError(err);
      setError(e);
      // A definite answer (e.g. out of stock) ends this attempt; the next submit is a new order.
      if (e.status !== 0 && e.status < 500) key.current = newKey();
      void queryClient.invalidateQueries({ queryKey: ['products'] });
    },
  });

  const setQuantity = (product: Product, quantity: number) => {
    const next = new Map(cart);
    if (quantity <= 0) next.delete(product.id);
    else next.set(product.id, { product, quantity: Math.min(quantity, 10000) });
    setCart(next);
  };
  const add = (p: Product) => {
    const quantity = (cart.get(p.id)?.quantity ?? 0) + 1;
    setQuantity(p, quantity);
    setAnnouncement(`${p.name} added: ${quantity} in the cart`);
  };
  const showCart = () => {
    cartHeading.current?.scrollIntoView({ block: 'start' });
    cartHeading.current?.focus();
  };

  return (
    <div className="page">
      <header className="page-head">
        <PageHeading title="New order" />
      </header>
      <div className="grid-2">
        <section className="card">
          <h2>Catalogue</h2>
          <Field label="Search products">
            {(p) => <input {...p} type="search" placeholder="Name or SKU" value={q} onChange={(e) => setQ(e.target.value)} />}
          </Field>
          {products.isLoading ? (
            <Loading />
          ) : products.error ? (
            <ErrorNotice error={products.error} retry={() => void products.refetch()} />
          ) : !products.data?.items.length ? (
            <Empty>No products match.</Empty>
          ) : (
            <table>
              <thead>
                <tr><th>Product</th><th className="num">Price</th><th className="num">Available</th><th><span className="visually-hidden">Add to cart</span></th></tr>
              </thead>
              <tbody>
                {products.data.items.map((p) => (
                  <tr key={p.id}>
                    <td>{p.name} <span className="muted small sku">{p.sku}</span></td>
                    <td className="num">{money(p.price_cents, p.currency)}</td>
                    <td className="num">
                      <span className="stack">
                        {p.available} <StockBadge product={p} />
                      </span>
                    </td>
                    <td>
                      <button
                        type="button"
                        className="secondary"
                        disabled={p.available <= 0}
                        aria-label={`Add ${p.name}`}
                        onClick={() => add(p)}
                      >
                        Add
                      </button>
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
          <div className="cart-bar">
            <span>
              <strong>{units} {units === 1 ? 'item' : 'items'}</strong> · {money(total, currency)}
            </span>
            <button type="button" className="secondary" onClick={showCart}>
              Review cart
            </button>
          </div>
          <p className="visually-hidden" role="status">
            {announcement}
          </p>
        </section>
        <section className={`card cart${shipping || staff ? ' cart-long' : ''}`} aria-labelledby="cart-title">
          <h2 id="cart-title" ref={cartHeading} tabIndex={-1}>Cart</h2>
          {error && <ErrorNotice error={error} />}
          {lines.length === 0 ? (
            <Empty>The cart is empty — add products from the catalogue.</Empty>
          ) : (
            <table>
              <thead>
                <tr><th>Product</th><th className="num">Quantity</th><th className="num">Line total</th></tr>
              </thead>
              <tbody>
                {lines.map(({ product, quantity }, i) => (
                  <tr key={product.id}>
                    <td>
                      {product.name}
                      {error?.fieldErrors[`lines[${i}].quantity`] && (
                        <span className="field-error"> {error.fieldErrors[`lines[${i}].quantity`]}</span>
                      )}
                    </td>
                    <td className="num">
                      <input
                        className="qty"
                        type="number"
                        min={0}
                        max={10000}
                        aria-label={`Quantity of ${product.name}`}
                        value={quantity}
                        onChange={(e) => setQuantity(product, Number(e.target.value))}
                      />
                    </td>
                    <td className="num">{money(product.price_cents * quantity, product.currency)}</td>
                  </tr>
                ))}
              </tbody>
              <tfoot>
                <tr>
                  <th colSpan={2}>Total <span className="muted small">(at current prices)</span></th>
                  <th className="num">{money(total, currency)}</th>
                </tr>
              </tfoot>
            </table>
          )}
          {staff && <CustomerPicker value={customer} onChange={setCustomer} error={error?.fieldErrors.customer_id} />}
          <fieldset className="choice">
            <legend>Delivery</legend>
            <label className="check">
              <input type="radio" name="delivery" checked={!shipping} onChange={() => setShipping(false)} /> Pickup
            </label>
            <label className="check">
              <input type="radio" name="delivery" checked={shipping} onChange={() => setShipping(true)} /> Ship to an address
            </label>
          </fieldset>
          {shipping && <AddressFields value={address} onChange={setAddress} errors={error?.fieldErrors} />}
          <Field label="Note (optional)" error={error?.fieldErrors.note}>
            {(p) => <textarea {...p} rows={2} value={note} onChange={(e) => setNote(e.target.value)} />}
          </Field>
          <button type="button" disabled={!lines.length || place.isPending} onClick={() => place.mutate()}>
            {place.isPending ? 'Placing…' : 'Place order'}
          </button>
        </section>
      </div>
    </div>
  );
}
