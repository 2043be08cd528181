import { QueryClient, QueryClientProvider } from '@tanstack/react-query';
import { render, screen, within } from '@testing-library/react';
import { MemoryRouter, Route, Routes } from 'react-router';
import { describe, expect, it, vi } from 'vitest';
import type { Order } from '../api/types';
import { order, shipment } from '../test/fixtures';
import OrderDetail from './OrderDetail';

let me = { id: 'staff1', role: 'staff' };
let current: Order = order();
vi.mock('../auth/AuthContext', () => ({
  useAuth: () => ({ user: me }),
  isStaff: (u: { role: string } | null) => u?.role === 'staff' || u?.role === 'admin',
}));
vi.mock('../api/endpoints', () => ({ api: { order: () => Promise.resolve(current) } }));

function show(o: Order) {
  current = o;
  render(
    <QueryClientProvider client={new QueryClient()}>
      <MemoryRouter initialEntries={['/orders/o1']}>
        <Routes>
          <Route path="/orders/:id" element={<OrderDetail />} />
        </Routes>
      </MemoryRouter>
    </QueryClientProvider>,
  );
}

const address = { name: 'Casey Customer', line1: '1 High Street', city: 'Leeds', postal_code: 'LS1 1AA', country: 'GB' as const };

describe('OrderDetail', () => {
  it('gives staff Ship and Fulfil on a confirmed order, with its shipping address', async () => {
    me = { id: 'staff1', role: 'staff' };
    show(order({ shipping_address: address }));
    expect(await screen.findByRole('button', { name: 'Ship…' })).toBeTruthy();
    expect(screen.getByRole('button', { name: 'Fulfil all' })).toBeTruthy();
    expect(screen.getByText(/1 High Street/)).toBeTruthy();
    expect(screen.getByText(/United Kingdom/)).toBeTruthy();
    expect(screen.getByText('Nothing shipped yet.')).toBeTruthy();
    expect(screen.queryByRole('button', { name: 'Return items' })).toBeNull();
  });

  it('shows a partly shipped order as such, with what shipped per line', async () => {
    me = { id: 'staff1', role: 'staff' };
    show(order({ status: 'partially_fulfilled', shipments: [shipment('s1', [['tea', 2]])] }));
    expect(await screen.findByRole('button', { name: 'Ship the rest' })).toBeTruthy();
    expect(screen.getByRole('heading', { level: 1 }).textContent).toContain('partially fulfilled');
    const lines = within(screen.getByRole('heading', { name: 'Lines' }).closest('section')!);
    expect(lines.getByRole('columnheader', { name: 'Shipped' })).toBeTruthy();
    expect(lines.getByRole('row', { name: /Green tea/ }).textContent).toContain('2 of 3');
  });

  it('lets the customer return items from a delivered order, and nothing else', async () => {
    me = { id: 'c1', role: 'customer' };
    const until = new Date(Date.now() + 86400000).toISOString();
    show(order({ status: 'delivered', shipments: [shipment('s1', [['tea', 3], ['mug', 2]], true)], returnable_until: until }));
    expect(await screen.findByRole('button', { name: 'Return items' })).toBeTruthy();
    expect(screen.getByText(/returns accepted until/)).toBeTruthy();
    expect(screen.getByText('Pickup — no shipping address.')).toBeTruthy();
    expect(screen.queryByRole('button', { name: /Ship|Fulfil|Cancel|Mark/ })).toBeNull();
  });

  it('offers the customer no return once the window has closed', async () => {
    me = { id: 'c1', role: 'customer' };
    show(order({ status: 'delivered', shipments: [shipment('s1', [['tea', 3]], true)], returnable_until: '2020-01-01T00:00:00Z' }));
    await screen.findByRole('heading', { name: 'Shipments' });
    expect(screen.queryByRole('button', { name: 'Return items' })).toBeNull();
  });
});
