import { QueryClient, QueryClientProvider } from '@tanstack/react-query';
import { render, screen } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { MemoryRouter } from 'react-router';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { ApiError } from '../api/client';
import Webhooks from './Webhooks';

let created: unknown[] = [];
let answer: () => Promise<unknown> = () => Promise.resolve();
vi.mock('../api/eventEndpoints', async (importOriginal) => {
  const real = await importOriginal<typeof import('../api/eventEndpoints')>();
  return {
    ...real,
    eventsApi: {
      ...real.eventsApi,
      webhooks: () => Promise.resolve({ items: [], next_cursor: null }),
      createWebhook: (body: unknown) => {
        created.push(body);
        return answer();
      },
    },
  };
});

function show() {
  render(
    <QueryClientProvider client={new QueryClient({ defaultOptions: { queries: { retry: false } } })}>
      <MemoryRouter initialEntries={['/webhooks']}>
        <Webhooks />
      </MemoryRouter>
    </QueryClientProvider>,
  );
  return userEvent.setup();
}

describe('Webhooks', () => {
  beforeEach(() => {
    created = [];
  });

  it('shows the signing secret once, after creating', async () => {
    answer = () => Promise.resolve({ id: 'w1', url: 'https://example.com/h', events: ['order.*', 'stock.low'], active: true,
      failing_since: null, created_at: '', updated_at: '', secret: 'whsec_abc' });
    const user = show();
    await screen.findByText(/No webhooks yet/);
    await user.type(screen.getByLabelText('Receiver URL'), 'https://example.com/h');
    await user.clear(screen.getByLabelText('Events'));
    await user.type(screen.getByLabelText('Events'), 'order.*, stock.low');
    await user.click(screen.getByRole('button', { name: 'Add webhook' }));
    expect(created).toEqual([{ url: 'https://example.com/h', events: ['order.*', 'stock.low'] }]);
    expect(await screen.findByText('whsec_abc')).toBeTruthy();
    await user.click(screen.getByRole('button', { name: 'I have copied it' }));
    expect(screen.queryByText('whsec_abc')).toBeNull();
  });

  it('shows a refused URL next to its field', async () => {
    answer = () => Promise.reject(new ApiError(422, '/problems/validation', 'Validation failed', '',
      { url: '"localhost" resolves to 127.0.0.1, a private address' }));
    const user = show();
    await user.type(await screen.findByLabelText('Receiver URL'), 'http://localhost/h');
    await user.click(screen.getByRole('button', { name: 'Add webhook' }));
    expect(await screen.findByText(/resolves to 127.0.0.1/)).toBeTruthy();
    expect(screen.getByLabelText('Receiver URL').getAttribute('aria-invalid')).toBe('true');
  });
});
