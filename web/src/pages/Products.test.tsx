import { QueryClient, QueryClientProvider } from '@tanstack/react-query';
import { render, screen } from '@testing-library/react';
import { MemoryRouter } from 'react-router';
import { describe, expect, it, vi } from 'vitest';
import Products from './Products';

let role = 'customer';
let product = {
  id: 'p1', sku: 'TEA-1', name: 'Green tea', description: 'Sencha, 100 g', category: 'tea', supplier_id: 's1',
  price_cents: 450, currency: 'USD', on_hand: 17, reserved: 3, available: 14, reorder_point: 5, effective_reorder_point: 5, reorder_quantity: 20,
  active: true, version: 1, created_at: '2026-01-01T00:00:00Z', updated_at: '2026-01-01T00:00:00Z',
};
vi.mock('../auth/AuthContext', () => ({
  useAuth: () => ({ user: { role } }),
  isStaff: (u: { role: string } | null) => u?.role === 'staff' || u?.role === 'admin',
}));
vi.mock('../api/endpoints', () => ({
  api: {
    products: () => Promise.resolve({ items: [product], next_cursor: null }),
    suppliers: () => Promise.resolve({ items: [{ id: 's1', name: 'Leaf & Co' }], next_cursor: null }),
  },
}));

function show() {
  render(
    <QueryClientProvider client={new QueryClient({ defaultOptions: { queries: { retry: false } } })}>
      <MemoryRouter>
        <Products />
      </MemoryRouter>
    </QueryClientProvider>,
  );
}

describe('Products', () => {
  it('shows customers the name, description, price and availability only', async () => {
    role = 'customer';
    show();
    await screen.findByText('Green tea');
    expect(screen.getByText('Sencha, 100 g')).toBeTruthy();
    expect(screen.getByText('$4.50')).toBeTruthy();
    expect(screen.getByText('Available')).toBeTruthy();
    const headers = screen.getAllByRole('columnheader').map((h) => h.textContent);
    expect(headers).toEqual(['Name', 'Price', 'Availability']);
    expect(screen.queryByText('17')).toBeNull();
    expect(screen.queryByText('Leaf & Co')).toBeNull();
    expect(screen.queryByText('TEA-1')).toBeNull();
  });

  it('shows staff the description and the supplier by name', async () => {
    role = 'staff';
    show();
    expect(await screen.findByText('Leaf & Co')).toBeTruthy();
    expect(screen.getByText('Sencha, 100 g')).toBeTruthy();
    expect(screen.getAllByRole('columnheader').map((h) => h.textContent)).toContain('Supplier');
  });

  it('shows staff Low for a product on the deployment default reorder point', async () => {
    role = 'staff';
    // Stored 0 means "use the default"; the API says which point applies.
    product = { ...product, available: 8, reorder_point: 0, effective_reorder_point: 10 };
    show();
    await screen.findByText('Green tea');
    expect(screen.getAllByText('Low').length).toBeGreaterThan(0);
    expect(screen.queryByText('In stock')).toBeNull();
  });
});
