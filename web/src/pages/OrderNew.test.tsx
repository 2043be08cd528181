import { QueryClient, QueryClientProvider } from '@tanstack/react-query';
import { render, screen, waitFor } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { MemoryRouter } from 'react-router';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { ApiError } from '../api/client';
import OrderNew from './OrderNew';

let role = 'staff';
let customers: () => Promise<unknown>;
let placed: () => Promise<unknown>;
const sent: { body: Record<string, unknown>; key: string }[] = [];
const user = (id: string, name: string, email: string, r = 'customer') => ({ id, name, email, role: r, disabled: false, created_at: '2026-01-01T00:00:00Z' });
vi.mock('../auth/AuthContext', () => ({
  useAuth: () => ({ user: { id: 'me', role } }),
  isStaff: (u: { role: string } | null) => u?.role === 'staff' || u?.role === 'admin',
}));
vi.mock('../api/endpoints', () => ({
  api: {
    products: () =>
      Promise.resolve({
        items: [{ id: 'tea', sku: 'TEA-1', name: 'Green tea', price_cents: 450, currency: 'USD', available: 20, effective_reorder_point: 5 }],
        next_cursor: null,
      }),
    customers: () => customers(),
    placeOrder: (body: Record<string, unknown>, key: string) => {
      sent.push({ body, key });
      return placed();
    },
  },
}));

function show() {
  render(
    <QueryClientProvider client={new QueryClient({ defaultOptions: { queries: { retry: false } } })}>
      <MemoryRouter>
        <OrderNew />
      </MemoryRouter>
    </QueryClientProvider>,
  );
  return userEvent.setup();
}

// Typing a whole address with userEvent takes seconds on a busy machine.
const SLOW = 30000;

describe('a phone order', () => {
  beforeEach(() => {
    role = 'staff';
    sent.length = 0;
    customers = () =>
      Promise.resolve({ items: [user('c1', 'Casey Customer', 'casey@example.com'), user('s1', 'Sam Staff', 'sam@example.com', 'staff'), user('c2', 'Dana Doe', 'dana@example.com')], next_cursor: null });
    placed = () => Promise.resolve({ id: 'o1', number: 'SR-000001', total_cents: 450, currency: 'USD' });
  });

  it('is placed for the customer staff picked, to the address typed', async () => {
    const u = show();
    await u.click(await screen.findByRole('button', { name: 'Add Green tea' }));
    await u.type(screen.getByLabelText(/Customer \(optional\)/), 'casey');
    // Only customers that match, whatever the server returned.
    const pick = await screen.findByRole('button', { name: /Casey Customer/ });
    expect(screen.queryByRole('button', { name: /Sam Staff/ })).toBeNull();
    expect(screen.queryByRole('button', { name: /Dana Doe/ })).toBeNull();
    await u.click(pick);
    expect(screen.getByText('casey@example.com')).toBeTruthy();
    expect(document.activeElement?.textContent).toBe('Change customer');
    await u.click(screen.getByLabelText('Ship to an address'));
    await u.type(screen.getByLabelText('Recipient name'), 'Casey Customer');
    await u.type(screen.getByLabelText('Address line 1'), '1 High Street');
    await u.type(screen.getByLabelText('City'), 'Leeds');
    await u.type(screen.getByLabelText('Postal code'), 'LS1 1AA');
    await u.selectOptions(screen.getByLabelText('Country'), 'GB');
    await u.click(screen.getByRole('button', { name: 'Place order' }));
    await waitFor(() => expect(sent).toHaveLength(1));
    expect(sent[0].body).toEqual({
      lines: [{ product_id: 'tea', quantity: 1 }],
      note: '',
      customer_id: 'c1',
      shipping_address: { name: 'Casey Customer', line1: '1 High Street', city: 'Leeds', postal_code: 'LS1 1AA', country: 'GB' },
    });
  }, SLOW);

  it('is a pickup when no address is given, and shows address errors next to their fields', async () => {
    placed = () =>
      Promise.reject(new ApiError(422, '/problems/validation', 'Validation failed', '1 field is invalid', { 'shipping_address.postal_code': 'must not be empty' }));
    const u = show();
    await u.click(await screen.findByRole('button', { name: 'Add Green tea' }));
    await u.click(screen.getByRole('button', { name: 'Place order' }));
    await waitFor(() => expect(sent).toHaveLength(1));
    expect(sent[0].body.shipping_address).toBeUndefined();
    expect(sent[0].body.customer_id).toBeUndefined();
    await u.click(screen.getByLabelText('Ship to an address'));
    await u.type(screen.getByLabelText('City'), 'Leeds');
    await u.click(screen.getByRole('button', { name: 'Place order' }));
    expect(await screen.findByText('must not be empty')).toBeTruthy();
    expect(screen.getByLabelText('Postal code').getAttribute('aria-invalid')).toBe('true');
    expect((screen.getByLabelText('City') as HTMLInputElement).value).toBe('Leeds');
  }, SLOW);

  it('tells staff who may not look up customers what to do', async () => {
    customers = () => Promise.reject(new ApiError(403, '/problems/forbidden', 'Forbidden', 'admins only'));
    const u = show();
    await u.type(await screen.findByLabelText(/Customer \(optional\)/), 'casey');
    expect(await screen.findByText(/Only an admin can look up customers yet/)).toBeTruthy();
  });

  it('shows customers no customer picker', async () => {
    role = 'customer';
    show();
    await screen.findByRole('button', { name: 'Add Green tea' });
    expect(screen.queryByLabelText(/Customer \(optional\)/)).toBeNull();
    expect(screen.getByLabelText('Pickup')).toBeTruthy();
  });
});
