import { QueryClient, QueryClientProvider } from '@tanstack/react-query';
import { render as renderBare, screen } from '@testing-library/react';
import type { ReactElement } from 'react';
import userEvent from '@testing-library/user-event';
import { describe, expect, it } from 'vitest';
import { ApiError } from '../api/client';
import { ProductForm, toCents } from './ProductForm';

// The supplier picker reads the suppliers list: served from the cache, no network.
function render(ui: ReactElement) {
  const client = new QueryClient({ defaultOptions: { queries: { retry: false, staleTime: Infinity } } });
  client.setQueryData(['suppliers'], {
    items: [{ id: 's-1', name: 'Tea Co', contact_email: null, phone: null, lead_time_days: 5, created_at: '2026-11-01T00:00:00Z' }],
    next_cursor: null,
  });
  return renderBare(<QueryClientProvider client={client}>{ui}</QueryClientProvider>);
}

describe('ProductForm', () => {
  it('turns prices into cents and leaves bad input for the API to name', () => {
    expect(toCents('12.50')).toBe(1250);
    expect(toCents('3')).toBe(300);
    expect(toCents('1.234')).toBe('1.234');
  });

  it('shows the API field errors next to the fields and keeps what was typed', async () => {
    const user = userEvent.setup();
    let sent: Record<string, unknown> | undefined;
    let release!: () => void;
    const onSave = (body: Record<string, unknown>) => {
      sent = body;
      return new Promise<never>((_, reject) => {
        release = () => reject(new ApiError(422, '/problems/validation', 'Validation failed', '', { sku: 'must be 1 to 64 characters of A-Z' }));
      });
    };
    render(<ProductForm onSave={onSave} />);
    await user.type(screen.getByLabelText('SKU'), 'bad sku');
    await user.type(screen.getByLabelText('Name'), 'Green tea');
    await user.type(screen.getByLabelText('Price'), '4.50');
    await user.click(screen.getByRole('button', { name: 'Create product' }));
    expect((screen.getByRole('button', { name: 'Saving…' }) as HTMLButtonElement).disabled).toBe(true);
    expect(sent).toMatchObject({ sku: 'bad sku', name: 'Green tea', price_cents: 450, initial_stock: 0, supplier_id: null, cost_cents: null });
    release();
    const sku = await screen.findByLabelText('SKU');
    expect(await screen.findByText('must be 1 to 64 characters of A-Z')).toBeTruthy();
    expect(sku.getAttribute('aria-invalid')).toBe('true');
    expect((sku as HTMLInputElement).value).toBe('bad sku');
    expect((screen.getByLabelText('Name') as HTMLInputElement).value).toBe('Green tea');
    expect((screen.getByRole('button', { name: 'Create product' }) as HTMLButtonElement).disabled).toBe(false);
  });

  it('shows a general error when the problem names no field', async () => {
    const user = userEvent.setup();
    render(<ProductForm onSave={() => Promise.reject(new ApiError(503, '/problems/unavailable', 'Service unavailable', 'the inventory service is unavailable'))} />);
    await user.click(screen.getByRole('button', { name: 'Create product' }));
    expect((await screen.findByRole('alert')).textContent).toContain('inventory service is unavailable');
  });

  it('names the supplier picked and the cost in cents', async () => {
    const user = userEvent.setup();
    let sent: Record<string, unknown> | undefined;
    render(<ProductForm onSave={(body) => { sent = body; return Promise.resolve(); }} />);
    await user.type(screen.getByLabelText('SKU'), 'TEA');
    await user.type(screen.getByLabelText('Name'), 'Tea');
    await user.type(screen.getByLabelText('Price'), '4.50');
    await user.selectOptions(screen.getByLabelText('Supplier'), 'Tea Co');
    await user.type(screen.getByLabelText('Cost'), '2.10');
    await user.click(screen.getByRole('button', { name: 'Create product' }));
    expect(sent).toMatchObject({ supplier_id: 's-1', cost_cents: 210 });
  });
});
