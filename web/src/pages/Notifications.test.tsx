import { QueryClient, QueryClientProvider } from '@tanstack/react-query';
import { render, screen, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { MemoryRouter } from 'react-router';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { ApiError } from '../api/client';
import type { NotificationSettings } from '../api/events';
import { ToastProvider } from '../components/Feedback';
import Notifications from './Notifications';

const SAM = { id: 'u-sam', email: 'sam@example.com', name: 'Sam Staff', role: 'staff', disabled: false, created_at: '' };
const OWEN = { id: 'u-owen', email: 'owen@example.com', name: 'Owen Owner', role: 'admin', disabled: false, created_at: '' };
const NOW = new Date().toISOString();

let settings: NotificationSettings;
let puts: NotificationSettings[] = [];
let answer: (body: NotificationSettings) => Promise<NotificationSettings>;
vi.mock('../api/eventEndpoints', async (importOriginal) => {
  const real = await importOriginal<typeof import('../api/eventEndpoints')>();
  return {
    ...real,
    eventsApi: {
      ...real.eventsApi,
      notificationSettings: () => Promise.resolve(settings),
      putNotificationSettings: (body: NotificationSettings) => {
        puts.push(body);
        return answer(body);
      },
      staffAndAdmins: () => Promise.resolve([OWEN, SAM]),
      notifications: () =>
        Promise.resolve({
          items: [
            { id: 'n1', to: 'owen@example.com', subject: 'New order SR-001002 $9.00', status: 'not_sent', error: null,
              template: 'new_order_alert', event_id: 'e1', attempts: 1, created_at: NOW, sent_at: null },
            { id: 'n2', to: 'casey@example.com', subject: 'Order SR-001001 confirmed', status: 'failed', error: 'connection refused',
              template: 'order_confirmed', event_id: 'e2', attempts: 3, created_at: NOW, sent_at: null },
            { id: 'n3', to: 'casey@example.com', subject: 'Order SR-001000 shipped', status: 'sent', error: null,
              template: 'order_shipped', event_id: 'e3', attempts: 1, created_at: NOW, sent_at: NOW },
          ],
          next_cursor: null,
        }),
    },
  };
});

function show() {
  render(
    <QueryClientProvider client={new QueryClient({ defaultOptions: { queries: { retry: false } } })}>
      <ToastProvider>
        <MemoryRouter initialEntries={['/notifications']}>
          <Notifications />
        </MemoryRouter>
      </ToastProvider>
    </QueryClientProvider>,
  );
  return userEvent.setup();
}

const box = (name: string) => screen.getByRole<HTMLInputElement>('checkbox', { name });

describe('Notifications', () => {
  beforeEach(() => {
    settings = { low_stock_digest: [{ user_id: SAM.id, email: SAM.email }], new_order_alert: [] };
    puts = [];
    answer = (body) => Promise.resolve(body);
  });

  it('ticks whoever the settings name, and saves the changed choice', async () => {
    const user = show();
    await screen.findByRole('checkbox', { name: 'Low-stock digest for sam@example.com' });
    expect(box('Low-stock digest for sam@example.com').checked).toBe(true);
    expect(box('New-order alerts for sam@example.com').checked).toBe(false);
    expect(box('Low-stock digest for owen@example.com').checked).toBe(false);
    expect(box('New-order alerts for owen@example.com').checked).toBe(false);

    await user.click(box('New-order alerts for owen@example.com'));
    await user.click(box('Low-stock digest for sam@example.com'));
    expect(screen.getByText('Unsaved changes')).toBeTruthy();
    await user.click(screen.getByRole('button', { name: 'Save' }));

    expect(puts).toEqual([{ low_stock_digest: [], new_order_alert: [{ user_id: OWEN.id, email: OWEN.email }] }]);
    expect(await screen.findByText('Saved: low-stock digest to 0 people, new-order alerts to 1 person')).toBeTruthy();
    expect(box('New-order alerts for owen@example.com').checked).toBe(true);
    expect(screen.queryByText('Unsaved changes')).toBeNull();
  });

  it('keeps a recipient who is no longer staff, so saving does not drop them unseen', async () => {
    settings = { low_stock_digest: [], new_order_alert: [{ user_id: 'u-gone', email: 'gone@example.com' }] };
    const user = show();
    await screen.findByText('(no longer staff)');
    expect(box('New-order alerts for gone@example.com').checked).toBe(true);
    await user.click(screen.getByRole('button', { name: 'Save' }));
    expect(puts[0].new_order_alert).toEqual([{ user_id: 'u-gone', email: 'gone@example.com' }]);
  });

  it("shows the API's field errors on the person's row and keeps the choice", async () => {
    answer = () => Promise.reject(new ApiError(422, '/problems/validation', 'Validation failed', '',
      { 'new_order_alert[0].email': 'must be an email address' }));
    const user = show();
    await user.click(await screen.findByRole('checkbox', { name: 'New-order alerts for sam@example.com' }));
    await user.click(screen.getByRole('button', { name: 'Save' }));
    const row = (await screen.findByText('sam@example.com must be an email address')).closest('tr')!;
    expect(within(row).getByText('Sam Staff')).toBeTruthy();
    expect(box('New-order alerts for sam@example.com').checked).toBe(true);
  });

  it('lists the emails with their status in words', async () => {
    show();
    const log = screen.getByRole('region', { name: 'Sent and queued' });
    await within(log).findByText('New order SR-001002 $9.00');
    const rowOf = (text: string) => within(log).getByText(text).closest('tr')!;
    expect(within(rowOf('New order SR-001002 $9.00')).getByText('not sent').className).toContain('pill-not_sent');
    expect(within(rowOf('Order SR-001001 confirmed')).getByText('failed')).toBeTruthy();
    expect(within(rowOf('Order SR-001001 confirmed')).getAllByText('connection refused').length).toBeGreaterThan(0);
    expect(within(rowOf('Order SR-001001 confirmed')).getByText('(3 tries)')).toBeTruthy();
    expect(within(rowOf('Order SR-001000 shipped')).getByText('sent')).toBeTruthy();
  });
});
