import { QueryClient, QueryClientProvider } from '@tanstack/react-query';
import { render, screen } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { MemoryRouter } from 'react-router';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import Audit from './Audit';
import { details } from '../components/auditDetails';

let asked: unknown[] = [];
const entry = (seq: number, type: string, email: string) => ({
  seq, id: `e${seq}`, type, occurred_at: new Date().toISOString(), received_at: new Date().toISOString(),
  actor: { email, service: 'auth' }, entity: { kind: 'user', id: `u${seq}` }, data: { role: 'staff' },
  request_id: 'r', traceparent: null,
});
vi.mock('../api/eventEndpoints', async (importOriginal) => {
  const real = await importOriginal<typeof import('../api/eventEndpoints')>();
  return {
    ...real,
    eventsApi: {
      ...real.eventsApi,
      audit: (f: unknown) => {
        asked.push(f);
        return Promise.resolve({ items: [entry(2, 'user.role_changed', 'boss@example.com'), entry(1, 'user.registered', 'sam@example.com')], next_cursor: null });
      },
    },
  };
});

function show(path = '/audit') {
  render(
    <QueryClientProvider client={new QueryClient({ defaultOptions: { queries: { retry: false } } })}>
      <MemoryRouter initialEntries={[path]}>
        <Audit />
      </MemoryRouter>
    </QueryClientProvider>,
  );
  return userEvent.setup();
}

describe('Audit', () => {
  beforeEach(() => {
    asked = [];
  });

  it('lists events newest first with who did them', async () => {
    show();
    expect(await screen.findByText('user.role_changed')).toBeTruthy();
    const rows = screen.getAllByRole('row');
    expect(rows[1].textContent).toContain('boss@example.com');
    expect(rows[2].textContent).toContain('user.registered');
  });

  it('takes its filters from the address and applies new ones', async () => {
    const user = show('/audit?actor=sam@example.com');
    await screen.findByText('user.registered');
    expect(asked[0]).toEqual({ actor: 'sam@example.com' });
    expect((screen.getByLabelText(/Actor/) as HTMLInputElement).value).toBe('sam@example.com');
    await user.type(screen.getByLabelText(/^Type/), 'user.*');
    await user.click(screen.getByRole('button', { name: 'Filter' }));
    await vi.waitFor(() => expect(asked.at(-1)).toEqual({ actor: 'sam@example.com', type: 'user.*' }));
  });
});

describe('details', () => {
  it('reads as lines: changes as before → after, lists by their length', () => {
    expect(
      details({ sku: 'TEA', changes: { price_cents: { before: 500, after: 650 }, supplier_id: { before: null, after: 's1' } }, lines: [{}, {}] }),
    ).toEqual(['sku: TEA', 'price_cents: 500 → 650', 'supplier_id: — → s1', 'lines: 2 items']);
    expect(details(null)).toEqual([]);
  });
});
