import { QueryClient, QueryClientProvider } from '@tanstack/react-query';
import { render, screen } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { MemoryRouter } from 'react-router';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { ApiError } from '../api/client';
import Stocktake, { countLines } from './Stocktake';

// A plain function, not vi.fn(): a spy's rejected promise is reported as an error of the test.
let answer: () => Promise<unknown> = () => Promise.resolve();
let sent: unknown[] = [];
const stocktake = (body: unknown) => {
  sent.push(body);
  return answer();
};
const product = (id: string, name: string, on_hand: number, reserved: number) => ({
  id, sku: name.toUpperCase(), name, on_hand, reserved, available: on_hand - reserved,
});
vi.mock('../api/endpoints', () => ({
  api: {
    products: () => Promise.resolve({ items: [product('p1', 'Tea', 10, 0), product('p2', 'Mug', 5, 4), product('p3', 'Jar', 7, 0)], next_cursor: null }),
    stocktake: (body: unknown) => stocktake(body),
  },
}));

function show() {
  render(
    <QueryClientProvider client={new QueryClient({ defaultOptions: { queries: { retry: false } } })}>
      <MemoryRouter>
        <Stocktake />
      </MemoryRouter>
    </QueryClientProvider>,
  );
  return userEvent.setup();
}

describe('Stocktake', () => {
  beforeEach(() => {
    sent = [];
  });

  it('sends only the lines with a count, in table order', () => {
    expect(countLines([{ id: 'a' }, { id: 'b' }, { id: 'c' }], { c: ' 3 ', a: '0', b: '  ' })).toEqual([
      { product_id: 'a', counted: 0 },
      { product_id: 'c', counted: 3 },
    ]);
  });

  it('shows a refused line next to its product and keeps the counts', async () => {
    answer = () =>
      Promise.reject(
        new ApiError(422, '/problems/validation', 'Validation failed', '', { 'counts[1].counted': '4 units of MUG are reserved by open orders' }),
      );
    const user = show();
    await user.type(await screen.findByLabelText('Tea'), '12');
    await user.type(screen.getByLabelText('Mug'), '3');
    await user.type(screen.getByLabelText('Note'), 'aisle 3');
    await user.click(screen.getByRole('button', { name: 'Record 2 counts' }));
    expect(sent).toEqual([{
      counts: [{ product_id: 'p1', counted: 12 }, { product_id: 'p2', counted: 3 }],
      note: 'aisle 3',
    }]);
    expect(await screen.findByText('4 units of MUG are reserved by open orders')).toBeTruthy();
    expect(screen.getByLabelText('Mug').getAttribute('aria-invalid')).toBe('true');
    expect(screen.getByLabelText('Tea').getAttribute('aria-invalid')).toBe('false');
    expect((screen.getByLabelText('Tea') as HTMLInputElement).value).toBe('12');
  });

  it('reports what was corrected', async () => {
    answer = () => Promise.resolve({
      corrected: 1,
      lines: [{ product_id: 'p1', sku: 'TEA', name: 'Tea', previous_on_hand: 10, counted: 12, difference: 2, reserved: 0, movement: null }],
      });
    const user = show();
    await user.type(await screen.findByLabelText('Tea'), '12');
    await user.click(screen.getByRole('button', { name: 'Record 1 count' }));
    expect(await screen.findByText(/Counted 1 product; 1 corrected/)).toBeTruthy();
    expect(screen.getByText(/10 → 12/)).toBeTruthy();
    expect((screen.getByLabelText('Tea') as HTMLInputElement).value).toBe('');
  });
});
