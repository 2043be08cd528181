import { QueryClient, QueryClientProvider } from '@tanstack/react-query';
import { render, screen, waitFor } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { ApiError } from '../api/client';
import { order, ret, shipment } from '../test/fixtures';
import { OrderReturns } from './OrderReturns';
import { ReceiveReturnDialog, RejectReturnDialog } from './ReceiveReturnDialog';
import { ReturnRequestDialog } from './ReturnRequestDialog';

const sent: { what: string; id: string; body: unknown; key?: string }[] = [];
let receiveAnswer: () => Promise<unknown> = () => Promise.resolve(ret('r9', 'received', [['tea', 2]]));
const delivered = order({
  status: 'delivered',
  shipments: [shipment('s1', [['tea', 3], ['mug', 2]], true)],
  returns: [ret('r0', 'requested', [['tea', 1]], { reason: 'too strong' })],
});
vi.mock('../api/endpoints', () => ({
  api: {
    requestReturn: (id: string, body: unknown) => {
      sent.push({ what: 'request', id, body });
      return Promise.resolve(ret('r1', 'requested', [['tea', 2]]));
    },
    receiveReturn: (id: string, lines: unknown, key: string) => {
      sent.push({ what: 'receive', id, body: lines, key });
      return receiveAnswer();
    },
    rejectReturn: (id: string, reason: string) => {
      sent.push({ what: 'reject', id, body: reason });
      return Promise.resolve(ret(id, 'rejected', [['tea', 2]]));
    },
  },
}));

function wrap(ui: React.ReactNode) {
  render(<QueryClientProvider client={new QueryClient()}>{ui}</QueryClientProvider>);
  return userEvent.setup();
}
const input = (name: RegExp | string) => screen.getByLabelText(name) as HTMLInputElement;

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

  it('lists the order’s returns with their status in words, and what came back once received', () => {
    const o = order({
      returns: [
        ret('r0', 'requested', [['tea', 1]]),
        ret('r1', 'received', [['mug', 2]]),
        ret('r2', 'rejected', [['tea', 1]], { reject_reason: 'Opened' }),
      ],
    });
    o.returns![1].lines[0] = { ...o.returns![1].lines[0], restocked: 1, damaged: 1 };
    wrap(<OrderReturns order={o} />);
    expect(screen.getByText('requested').className).toContain('pill-return-requested');
    expect(screen.getByText('2 × Stoneware mug (1 restocked, 1 damaged)')).toBeTruthy();
    expect(screen.getByText('Rejected: Opened')).toBeTruthy();
    expect(screen.getByText('$24.00')).toBeTruthy();
  });
});

describe('receiving a return', () => {
  const asked = ret('r9', 'requested', [['tea', 2], ['mug', 1]]);
  beforeEach(() => {
    sent.length = 0;
    receiveAnswer = () => Promise.resolve(ret('r9', 'received', [['tea', 2]]));
  });

  it('restocks one line and writes another off, and may split a line over both', async () => {
    const user = wrap(<ReceiveReturnDialog ret={asked} onClose={() => undefined} />);
    expect(input('Green tea: Back on the shelf').value).toBe('2');
    expect(input('Stoneware mug: Back on the shelf').value).toBe('1');
    await user.clear(input('Stoneware mug: Back on the shelf'));
    await user.clear(input('Stoneware mug: Damaged, written off'));
    await user.type(input('Stoneware mug: Damaged, written off'), '1');
    await user.clear(input('Green tea: Back on the shelf'));
    await user.type(input('Green tea: Back on the shelf'), '1');
    await user.clear(input('Green tea: Damaged, written off'));
    await user.type(input('Green tea: Damaged, written off'), '1');
    await user.click(screen.getByRole('button', { name: 'Receive return', hidden: true }));
    await waitFor(() => expect(sent).toHaveLength(1));
    expect(sent[0].body).toEqual([
      { product_id: 'tea', quantity: 1, condition: 'restock' },
      { product_id: 'tea', quantity: 1, condition: 'damaged' },
      { product_id: 'mug', quantity: 1, condition: 'damaged' },
    ]);
  });

  it('refuses more than was asked back before asking the server; keeps the key only while the answer is unknown', async () => {
    receiveAnswer = () => Promise.reject(new ApiError(0, '/problems/network', 'Network error', ''));
    const user = wrap(<ReceiveReturnDialog ret={asked} onClose={() => undefined} />);
    await user.type(input('Stoneware mug: Damaged, written off'), '1');
    expect(input('Stoneware mug: Damaged, written off').value).toBe('01');
    await user.click(screen.getByRole('button', { name: 'Receive return', hidden: true }));
    expect(await screen.findByText(/at most what was asked back/)).toBeTruthy();
    expect(sent).toHaveLength(0);
    await user.clear(input('Stoneware mug: Damaged, written off'));
    await user.click(screen.getByRole('button', { name: 'Receive return', hidden: true }));
    await screen.findByText(/Cannot reach Stockroom/);
    await user.click(screen.getByRole('button', { name: 'Receive return', hidden: true }));
    await waitFor(() => expect(sent).toHaveLength(2));
    expect(sent[1].key).toBe(sent[0].key);
    receiveAnswer = () => Promise.reject(new ApiError(409, '/problems/invalid-transition', 'Conflict', 'already received'));
    await user.click(screen.getByRole('button', { name: 'Receive return', hidden: true }));
    await screen.findByText('already received');
    await user.click(screen.getByRole('button', { name: 'Receive return', hidden: true }));
    await waitFor(() => expect(sent).toHaveLength(4));
    expect(sent[3].key).not.toBe(sent[2].key);
  });

  it('rejects only with a reason', async () => {
    const user = wrap(<RejectReturnDialog ret={asked} onClose={() => undefined} />);
    await user.click(screen.getByRole('button', { name: 'Reject return', hidden: true }));
    expect(await screen.findByText(/Say why the return is rejected/)).toBeTruthy();
    expect(sent).toHaveLength(0);
    await user.type(input(/Reason/), 'Used');
    await user.click(screen.getByRole('button', { name: 'Reject return', hidden: true }));
    await waitFor(() => expect(sent).toEqual([{ what: 'reject', id: 'r9', body: 'Used' }]));
  });
});
