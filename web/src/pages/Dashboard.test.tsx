import { QueryClient, QueryClientProvider } from '@tanstack/react-query';
import { render, screen, waitFor } from '@testing-library/react';
import { MemoryRouter } from 'react-router';
import { describe, expect, it, vi } from 'vitest';
import Dashboard from './Dashboard';

const dashboard = {
  orders: {
    by_status: { confirmed: 2, partially_fulfilled: 1, fulfilled: 4, delivered: 3 },
    currency: 'USD',
    orders_period: 10,
    orders_today: 1,
    period_days: 30,
    recent: [],
    refunds_period_cents: 1800,
    revenue_by_day: [],
    revenue_period_cents: 10000,
    revenue_today_cents: 0,
    top_products: [],
  },
  inventory: { unavailable: true, reason: 'down' },
  ai: { unavailable: true, reason: 'down' },
  services: {},
};
vi.mock('../api/endpoints', () => ({
  api: {
    dashboard: () => Promise.resolve(dashboard),
    returns: () => Promise.resolve({ items: [{ id: 'r1' }, { id: 'r2' }], next_cursor: null }),
  },
}));

const kpi = (label: string) => screen.getByText(label).closest('.kpi')?.querySelector('strong')?.textContent;

describe('Dashboard', () => {
  it('counts partly shipped orders as waiting, and shows shipped, refunds and returns to receive', async () => {
    render(
      <QueryClientProvider client={new QueryClient()}>
        <MemoryRouter>
          <Dashboard />
        </MemoryRouter>
      </QueryClientProvider>,
    );
    await screen.findByText('Waiting to be fulfilled');
    expect(kpi('Waiting to be fulfilled')).toBe('3');
    expect(kpi('Shipped, not yet delivered')).toBe('4');
    expect(kpi('Refunds, last 30 days')).toBe('$18.00');
    await waitFor(() => expect(kpi('Returns to receive')).toBe('2'));
    expect(screen.getByRole('rowheader', { name: 'partially fulfilled' }).nextElementSibling?.textContent).toBe('1');
  });
});
