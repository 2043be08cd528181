import { QueryClient, QueryClientProvider } from '@tanstack/react-query';
import { render, screen, waitFor } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { useState } from 'react';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { ApiError } from '../api/client';
import type { Order } from '../api/types';
import { order, shipment } from '../test/fixtures';
import { ShipDialog } from './ShipDialog';
import { Shipments } from './Shipments';

type Call = { id: string; body: { lines: unknown[]; carrier?: string; tracking_number?: string }; key: string };
let calls: Call[] = [];
let answers: (() => Promise<Order>)[] = [];
let delivered: string[] = [];
vi.mock('../api/endpoints', () => ({
  api: {
    ship: (id: string, body: Call['body'], key: string) => {
      calls.push({ id, body, key });
      return (answers.shift() ?? (() => Promise.resolve(order({ status: 'partially_fulfilled' }))))();
    },
    delivered: (_id: string, sid: string) => {
      delivered.push(sid);
      return Promise.resolve(order({ status: 'delivered' }));
    },
  },
}));

function wrap(ui: React.ReactNode) {
  render(<QueryClientProvider client={new QueryClient()}>{ui}</QueryClientProvider>);
  return userEvent.setup();
}

function Opener({ o }: { o: Order }) {
  const [open, setOpen] = useState(false);
  return (
    <>
      <button type="button" onClick={() => setOpen(true)}>Open ship</button>
      <ShipDialog order={o} open={open} onClose={() => setOpen(false)} />
    </>
  );
}

const field = (name: RegExp) => screen.getByLabelText(name) as HTMLInputElement;

describe('ShipDialog', () => {
  beforeEach(() => {
    calls = [];
    answers = [];
    delivered = [];
  });

  it('defaults each line to what is left and sends only lines with a quantity', async () => {
    const o = order({ status: 'partially_fulfilled', shipments: [shipment('s1', [['tea', 1]])] });
    const user = wrap(<Opener o={o} />);
    await user.click(screen.getByRole('button', { name: 'Open ship' }));
    expect(field(/Green tea \(2 left to ship\)/).value).toBe('2');
    expect(field(/Stoneware mug \(2 left to ship\)/).value).toBe('2');
    await user.clear(field(/Stoneware mug/));
    await user.type(field(/Stoneware mug/), '0');
    await user.type(field(/Carrier/), 'DHL');
    await user.type(field(/Tracking number/), 'JJD0001');
    await user.click(screen.getByRole('button', { name: 'Ship', hidden: true }));
    await waitFor(() => expect(calls).toHaveLength(1));
    expect(calls[0].body).toEqual({ lines: [{ product_id: 'tea', quantity: 2 }], carrier: 'DHL', tracking_number: 'JJD0001' });
  });

  it('keeps one Idempotency-Key while the dialog is open and takes a new one when it opens again', async () => {
    answers = [() => Promise.reject(new ApiError(0, '/problems/network', 'Network error', 'Cannot reach Stockroom'))];
    const user = wrap(<Opener o={order()} />);
    await user.click(screen.getByRole('button', { name: 'Open ship' }));
    await user.click(screen.getByRole('button', { name: 'Ship', hidden: true }));
    await screen.findByText('Cannot reach Stockroom. Check your connection and try again.');
    await user.click(screen.getByRole('button', { name: 'Ship', hidden: true }));
    await waitFor(() => expect(calls).toHaveLength(2));
    expect(calls[1].key).toBe(calls[0].key);
    // Shipped: the dialog closed. Opening it again is a new shipment with a new key.
    await user.click(screen.getByRole('button', { name: 'Open ship' }));
    await user.click(screen.getByRole('button', { name: 'Ship', hidden: true }));
    await waitFor(() => expect(calls).toHaveLength(3));
    expect(calls[2].key).not.toBe(calls[0].key);
  });

  it('refuses more than is left before asking the server, and shows the server refusal next to the line', async () => {
    answers = [() => Promise.reject(new ApiError(409, '/problems/conflict', 'Conflict', 'more than is left', { 'lines[0].quantity': 'only 1 left to ship' }))];
    const user = wrap(<Opener o={order()} />);
    await user.click(screen.getByRole('button', { name: 'Open ship' }));
    await user.clear(field(/Green tea/));
    await user.type(field(/Green tea/), '4');
    await user.click(screen.getByRole('button', { name: 'Ship', hidden: true }));
    expect(await screen.findByText(/whole number from 0 to what is left/)).toBeTruthy();
    expect(calls).toHaveLength(0);
    await user.clear(field(/Green tea/));
    await user.type(field(/Green tea/), '3');
    await user.click(screen.getByRole('button', { name: 'Ship', hidden: true }));
    expect(await screen.findByText('only 1 left to ship')).toBeTruthy();
    expect(field(/Green tea/).getAttribute('aria-invalid')).toBe('true');
    // A refusal is final for that request: corrected quantities go with a new key.
    await user.clear(field(/Green tea/));
    await user.type(field(/Green tea/), '1');
    await user.click(screen.getByRole('button', { name: 'Ship', hidden: true }));
    await waitFor(() => expect(calls).toHaveLength(2));
    expect(calls[1].key).not.toBe(calls[0].key);
  });
});

describe('Shipments', () => {
  beforeEach(() => {
    delivered = [];
  });
  const o = order({ status: 'fulfilled', shipments: [shipment('s1', [['tea', 3]], true), shipment('s2', [['mug', 2]])] });

  it('lists what went out and lets staff mark a shipment delivered', async () => {
    const user = wrap(<Shipments order={o} staff />);
    expect(screen.getByText('3 × Green tea')).toBeTruthy();
    expect(screen.getByText('TRK-s2')).toBeTruthy();
    const buttons = screen.getAllByRole('button', { name: /Mark shipment \d delivered/ });
    expect(buttons).toHaveLength(1);
    await user.click(buttons[0]);
    await waitFor(() => expect(delivered).toEqual(['s2']));
  });

  it('shows customers where a parcel is without the staff action', () => {
    wrap(<Shipments order={o} staff={false} />);
    expect(screen.getByText('On its way')).toBeTruthy();
    expect(screen.queryByRole('button')).toBeNull();
  });
});
