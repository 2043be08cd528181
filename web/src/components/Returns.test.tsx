import { QueryClient, QueryClientProvider } from '@tanstack/react-query';
import { render, screen, waitFor } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import type { OrderReturn } from '../api/types';
import { order, shipment } from '../test/fixtures';
import { OrderReturns } from './OrderReturns';
import { ReceiveReturnDialog, RejectReturnDialog } from './ReceiveReturnDialog';
import { ReturnRequestDialog } from './ReturnRequestDialog';

const sent: { what: string; id: string; body: unknown; key?: string }[] = [];
const delivered = order({
  status: 'delivered',
  shipments: [shipment('s1', [['tea', 3], ['mug', 2]], true)],
  returns: [{ id: 'r0', status: 'requested', reason: 'too strong', lines: [{ product_id: 'tea', quantity: 1 }] }],
});
vi.mock('../api/endpoints', () => ({
  api: {
    order: () => Promise.resolve(delivered),
    requestReturn: (id: string, body: unknown) => {
      sent.push({ what: 'request', id, body });
      return Promise.resolve({ id: 'r1', status: 'requested' });
    },
    receiveReturn: (id: string, lines: unknown, key: string) => {
      sent.push({ what: 'receive', id, body: lines, key });
      return Promise.resolve({ id, status: 'received', refund_cents: 1650 });
    },
    rejectReturn: (id: string, reason: string) => {
      sent.push({ what: 'reject', id, body: reason });
      return Promise.resolve({ id, status: 'rejected' });
    },
  },
}));

function wrap(ui: React.ReactNode) {
  render(<QueryClientProvider client={new QueryClient()}>{ui}</QueryClientProvider>);
  return userEvent.setup();
}
const input = (name: RegExp) => screen.getByLabelText(name) as HTMLInputElement;

describe('requesting a return', () => {
  beforeEach(() => {
    sent.length = 0;
  });

  it('offers each line up to what shipped minus what is already being returned, and needs a reason', async () => {
    const user = wrap(<ReturnRequestDialog order={delivered} open onClose={() => undefined} />);
    expect(input(/Green tea \(up to 2\)/)).toBeTruthy();
    expect(input(/Stoneware mug \(up to 2\)/)).toBeTruthy();
    await user.type(input(/Green tea/), '3');
    await user.click(screen.getByRole('button', { name: 'Request return', hidden: true }));
    expect(await screen.findByText(/up to what you can return/)).toBeTruthy();
    await user.clear(input(/Green tea/));
    await user.type(input(/Green tea/), '2');
    await user.click(screen.getByRole('button', { name: 'Request return', hidden: true }));
    expect(await screen.findByText('Say why you are returning them.')).toBeTruthy();
    await user.type(input(/Reason/), 'Not what I ordered');
    await user.click(screen.getByRole('button', { name: 'Request return', hidden: true }));
    await waitFor(() => expect(sent).toHaveLength(1));
    expect(sent[0]).toEqual({ what: 'request', id: 'o1', body: { lines: [{ product_id: 'tea', quantity: 2 }], reason: 'Not what I ordered' } });
  });

  it('lists the order’s returns with their status in words', () => {
    wrap(<OrderReturns order={delivered} />);
    expect(screen.getByText('requested').className).toContain('pill-return-requested');
    expect(screen.getByText('1 × Green tea')).toBeTruthy();
  });
});

describe('receiving a return', () => {
  const ret: OrderReturn = {
    id: 'r9',
    order_id: 'o1',
    order_number: 'SR-000042',
    status: 'requested',
    reason: 'broken',
    lines: [{ product_id: 'tea', quantity: 2 }, { product_id: 'mug', quantity: 1 }],
  };
  beforeEach(() => {
    sent.length = 0;
  });

  it('restocks one line and writes another off, naming the lines from the order', async () => {
    const user = wrap(<ReceiveReturnDialog ret={ret} currency="USD" onClose={() => undefined} />);
    const condition = (await screen.findByLabelText('Stoneware mug: condition')) as HTMLSelectElement;
    expect((screen.getByLabelText('Green tea: quantity received') as HTMLInputElement).value).toBe('2');
    await user.selectOptions(condition, 'damaged');
    await user.click(screen.getByRole('button', { name: 'Receive return', hidden: true }));
    await waitFor(() => expect(sent).toHaveLength(1));
    expect(sent[0].body).toEqual([
      { product_id: 'tea', quantity: 2, condition: 'restock' },
      { product_id: 'mug', quantity: 1, condition: 'damaged' },
    ]);
    expect(sent[0].key).toMatch(/.{8,}/);
  });

  it('rejects only with a reason', async () => {
    const user = wrap(<RejectReturnDialog ret={ret} onClose={() => undefined} />);
    await user.click(screen.getByRole('button', { name: 'Reject return', hidden: true }));
    expect(await screen.findByText(/Say why the return is rejected/)).toBeTruthy();
    expect(sent).toHaveLength(0);
    await user.type(input(/Reason/), 'Used');
    await user.click(screen.getByRole('button', { name: 'Reject return', hidden: true }));
    await waitFor(() => expect(sent).toEqual([{ what: 'reject', id: 'r9', body: 'Used' }]));
  });
});
