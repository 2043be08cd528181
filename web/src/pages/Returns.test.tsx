import { QueryClient, QueryClientProvider } from '@tanstack/react-query';
import { render, screen, waitFor } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { MemoryRouter, useLocation } from 'react-router';
import { describe, expect, it, vi } from 'vitest';
import { ret } from '../test/fixtures';
import Returns from './Returns';

const asked: Record<string, unknown>[] = [];
const item = (id: string, status: 'requested' | 'received') => ret(id, status, [['tea', 2]]);
vi.mock('../api/endpoints', () => ({
  api: {
    returns: (q: Record<string, unknown>) => {
      asked.push(q);
      return Promise.resolve({ items: [item('r1', 'requested'), item('r2', 'received')], next_cursor: null });
    },
  },
}));

function Where() {
  return <output data-testid="where">{useLocation().search}</output>;
}

describe('Returns', () => {
  it('lists returns, offers receive and reject only while requested, and filters by status in the URL', async () => {
    render(
      <QueryClientProvider client={new QueryClient()}>
        <MemoryRouter initialEntries={['/returns']}>
          <Returns />
          <Where />
        </MemoryRouter>
      </QueryClientProvider>,
    );
    const user = userEvent.setup();
    expect(await screen.findByText('2 × Green tea')).toBeTruthy();
    expect(screen.getByText('2 × Green tea (2 restocked)')).toBeTruthy();
    expect(screen.getAllByRole('button', { name: /^Receive return for/ })).toHaveLength(1);
    expect(screen.getAllByRole('button', { name: /^Reject return for/ })).toHaveLength(1);
    expect(screen.getAllByText('$9.00')).toHaveLength(2);
    await user.click(screen.getByRole('button', { name: 'requested' }));
    await waitFor(() => expect(screen.getByTestId('where').textContent).toBe('?status=requested'));
    await waitFor(() => expect(asked.at(-1)).toMatchObject({ status: 'requested' }));
    await user.click(screen.getByRole('button', { name: /^Receive return for/ }));
    expect(await screen.findByLabelText('Green tea: Back on the shelf')).toBeTruthy();
  });
});
