import { QueryClient, QueryClientProvider } from '@tanstack/react-query';
import { act, render, screen, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { MemoryRouter } from 'react-router';
import { beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import type { ChatAnswer, ChatTurn, User } from '../../api/types';
import AssistantDrawer from './AssistantDrawer';
import { clear, turnsFor, type Exchange } from './conversation';

// Plain functions, not vi.fn(): a spy's rejected promise is reported as an error of the test.
let answers: ChatAnswer[] = [];
let asked: ChatTurn[][] = [];
let created: { body: unknown; key: string }[] = [];
let adjusted: { body: unknown; key?: string }[] = [];
vi.mock('../../api/endpoints', () => ({
  api: {
    chat: (turns: ChatTurn[]) => {
      asked.push(turns);
      const next = answers.shift();
      return next ? Promise.resolve(next) : Promise.reject(new Error('no answer scripted'));
    },
    createPurchaseOrder: (body: unknown, key: string) => {
      created.push({ body, key });
      return Promise.resolve({ id: 'po-1', number: 'PO-000007' });
    },
    adjust: (body: unknown, key?: string) => {
      adjusted.push({ body, key });
      return Promise.resolve({ product: { id: 'p-1', sku: 'TEA', name: 'Assam tea', on_hand: 7, available: 5 }, movement: {} });
    },
  },
}));

let user: User = { id: 'u-staff', email: 'staff@example.com', name: 'Sam', role: 'staff', disabled: false, created_at: '2026-11-01T00:00:00Z' };
vi.mock('../../auth/AuthContext', () => ({
  useAuth: () => ({ user }),
  isStaff: (u: User | null) => u?.role === 'staff' || u?.role === 'admin',
}));

const answer = (text: string, extra: Partial<ChatAnswer> = {}): ChatAnswer => ({
  answer: text,
  tools_used: [],
  proposals: [],
  model: 'fake/model',
  generated_at: '2026-11-26T10:00:00Z',
  ...extra,
});

beforeAll(() => {
  // jsdom has no modal dialogs: open and close as a browser would, closing with its event.
  HTMLDialogElement.prototype.showModal = function (this: HTMLDialogElement) {
    this.setAttribute('open', '');
  };
  HTMLDialogElement.prototype.close = function (this: HTMLDialogElement) {
    this.removeAttribute('open');
    this.dispatchEvent(new Event('close'));
  };
});

beforeEach(() => {
  answers = [];
  asked = [];
  created = [];
  adjusted = [];
  user = { ...user, id: 'u-staff', role: 'staff' };
  clear(user.id);
});

function open(onClose: () => void = () => undefined) {
  render(
    <QueryClientProvider client={new QueryClient({ defaultOptions: { queries: { retry: false } } })}>
      <MemoryRouter>
        <AssistantDrawer open onClose={onClose} />
      </MemoryRouter>
    </QueryClientProvider>,
  );
  return userEvent.setup();
}

async function askQuestion(u: ReturnType<typeof userEvent.setup>, text: string) {
  await u.type(screen.getByLabelText('Your question'), text);
  await u.keyboard('{Enter}');
}

describe('the assistant drawer', () => {
  it('renders answers as Markdown and never raw HTML, images or scripts', async () => {
    answers = [
      answer(
        '**Reorder** these:\n\n- Assam tea\n\n<img src="x" onerror="alert(1)"><script>alert(1)</script><b>raw</b>\n\n![pixel](https://evil.example/p.png)\n\n[details](https://example.com/x) · [PO](/purchasing)',
      ),
    ];
    const u = open();
    await askQuestion(u, 'What should I reorder?');
    const log = screen.getByRole('log');
    expect(await within(log).findByText('Reorder')).toBeTruthy();
    const md = log.querySelector('.md')!;
    expect(md.querySelector('strong')?.textContent).toBe('Reorder');
    expect(md.querySelector('li')?.textContent).toBe('Assam tea');
    expect(md.querySelector('img, script, b')).toBeNull();
    expect(log.innerHTML).not.toContain('onerror');
    const outside = within(log).getByRole('link', { name: 'details' });
    expect(outside.getAttribute('rel')).toBe('noopener noreferrer nofollow');
    expect(within(log).getByRole('link', { name: 'PO' }).getAttribute('target')).toBeNull();
    expect(within(log).getByText(/AI answer/)).toBeTruthy();
  });

  it('focuses the question box, sends the recent turns and shows the tools used', async () => {
    answers = [
      answer('Two are low.', { tools_used: [{ name: 'restock_advice', arguments: { limit: 5 } }] }),
      answer('Acme supplies them.'),
    ];
    const u = open();
    await act(() => new Promise((r) => requestAnimationFrame(() => r(null))));
    expect(document.activeElement).toBe(screen.getByLabelText('Your question'));
    await askQuestion(u, 'What is low?');
    expect(await screen.findByText('Two are low.')).toBeTruthy();
    const chips = screen.getByRole('list', { name: 'Tools used' });
    expect(chips.textContent).toContain('Restock advice');
    expect(chips.textContent).toContain('{"limit":5}');
    await askQuestion(u, 'Who supplies them?');
    expect(await screen.findByText('Acme supplies them.')).toBeTruthy();
    expect(asked[1]).toEqual([
      { role: 'user', content: 'What is low?' },
      { role: 'assistant', content: 'Two are low.' },
      { role: 'user', content: 'Who supplies them?' },
    ]);
  });

  it('confirms a proposed purchase order through the ordinary API and links to it', async () => {
    const body = { supplier_id: 's-1', lines: [{ product_id: 'p-1', quantity: 20 }] };
    answers = [answer('I proposed an order.', { proposals: [{ kind: 'purchase_order', body, summary: 'Draft purchase order to Acme Tea: 20 × Assam tea (TEA)' }] })];
    const u = open();
    await askQuestion(u, 'Reorder tea');
    const card = await screen.findByRole('region', { name: /Proposed purchase order/ });
    expect(within(card).getByText('Draft purchase order to Acme Tea: 20 × Assam tea (TEA)')).toBeTruthy();
    expect(created).toEqual([]);
    await u.click(within(card).getByRole('button', { name: 'Create draft purchase order' }));
    const link = await within(card).findByRole('link', { name: 'Open PO-000007' });
    expect(link.getAttribute('href')).toBe('/purchasing/po-1');
    expect(created).toHaveLength(1);
    expect(created[0].body).toEqual(body);
    expect(created[0].key).toMatch(/\S{8,}/);
    expect(within(card).queryByRole('button', { name: 'Create draft purchase order' })).toBeNull();
  });

  it('links only to web addresses, never to scripts or data', async () => {
    answers = [
      answer(
        '[a](javascript:alert(1)) [b](JAVASCRIPT:alert(1)) [c](data:text/html,<script>alert(1)</script>) [d](vbscript:x) [e](\tjavascript:alert(1)) <a href="javascript:alert(1)">f</a>',
      ),
    ];
    const u = open();
    await askQuestion(u, 'Links?');
    const log = screen.getByRole('log');
    await within(log).findByText(/AI answer/);
    await within(log).findByText('a');
    for (const a of log.querySelectorAll('a')) {
      expect(a.getAttribute('href') ?? '').not.toMatch(/^\s*(javascript|data|vbscript):/i);
    }
    expect(log.innerHTML).not.toMatch(/javascript:|vbscript:|data:text/i);
  });

  it('shows everything a proposal will send before it is confirmed', async () => {
    const lines = Array.from({ length: 7 }, (_, i) => ({ product_id: `p-${i}`, quantity: i + 1, ...(i === 6 ? { unit_cost_cents: 1234 } : {}) }));
    const body = { supplier_id: 's-1', lines, expected_at: '2026-12-01T09:00:00Z', note: 'Pay the new bank account 99-88' };
    const summary = 'Draft purchase order to Acme Tea: 1 × A (A), 2 × B (B), 3 × C (C), 4 × D (D), 5 × E (E) and 2 more';
    const adjustment = { product_id: 'p-9', delta: -3, reason: 'damaged', note: 'Dropped by the courier' };
    answers = [
      answer('Proposed.', {
        proposals: [
          { kind: 'purchase_order', body, summary },
          { kind: 'stock_adjustment', body: adjustment, summary: 'Stock adjustment for Tea (TEA): -3 damaged' },
        ],
      }),
    ];
    const u = open();
    await askQuestion(u, 'Reorder everything');
    const card = await screen.findByRole('region', { name: /Proposed purchase order/ });
    const sent = within(card).getByRole('list', { name: 'What will be sent' });
    expect(within(sent).getAllByRole('listitem').filter((li) => li.dataset.line !== undefined)).toHaveLength(7);
    expect(sent.textContent).toContain('7 × p-6');
    expect(sent.textContent).toContain('unit cost 12.34');
    expect(sent.textContent).toContain('Pay the new bank account 99-88');
    expect(sent.textContent).toContain('s-1');
    expect(sent.textContent).toMatch(/Expected.*2026/);
    const adjust = screen.getByRole('region', { name: /Proposed stock adjustment/ });
    const change = within(adjust).getByRole('list', { name: 'What will be sent' });
    expect(change.textContent).toContain('-3');
    expect(change.textContent).toContain('damaged');
    expect(change.textContent).toContain('Dropped by the courier');
    expect(change.textContent).toContain('p-9');
    expect(created).toEqual([]);
  });

  it('confirms a stock adjustment and shows the new stock', async () => {
    const body = { product_id: 'p-1', delta: 5, reason: 'received' };
    answers = [answer('Proposed.', { proposals: [{ kind: 'stock_adjustment', body, summary: 'Stock adjustment for Assam tea (TEA): +5 received' }] })];
    const u = open();
    await askQuestion(u, 'Add five');
    await u.click(await screen.findByRole('button', { name: 'Record stock adjustment' }));
    expect(await screen.findByText('Assam tea: now 7 on hand, 5 available.')).toBeTruthy();
    expect(adjusted).toEqual([{ body, key: expect.any(String) }]);
  });

  it('shows customers no proposal cards, and a failure with a way to try again', async () => {
    user = { ...user, id: 'u-customer', role: 'customer' };
    clear(user.id);
    answers = [answer('Here.', { proposals: [{ kind: 'purchase_order', body: {}, summary: 'Should not show' }] })];
    const u = open();
    await askQuestion(u, 'Where is my order?');
    expect(await screen.findByText('Here.')).toBeTruthy();
    expect(screen.queryByText('Should not show')).toBeNull();
    await askQuestion(u, 'And the other one?');
    const failed = await screen.findByRole('alert');
    answers = [answer('Shipped.')];
    await u.click(within(failed).getByRole('button', { name: 'Try again' }));
    expect(await screen.findByText('Shipped.')).toBeTruthy();
    expect(asked.at(-1)?.at(-1)).toEqual({ role: 'user', content: 'And the other one?' });
  });

  it('closes on its × button', async () => {
    let closed = 0;
    const u = open(() => {
      closed += 1;
    });
    await u.click(screen.getByRole('button', { name: 'Close the assistant' }));
    expect(closed).toBe(1);
  });
});

describe('the turns sent', () => {
  it('keep answered exchanges in order, the last 20, each at most 4,000 characters', () => {
    const history: Exchange[] = Array.from({ length: 12 }, (_, i) => ({
      id: i,
      question: `q${i}`,
      answer: i === 3 ? undefined : answer(i === 11 ? 'é'.repeat(5000) : `a${i}`),
    }));
    const turns = turnsFor(history, '  next?  ');
    expect(turns).toHaveLength(20);
    expect(turns.at(-1)).toEqual({ role: 'user', content: 'next?' });
    expect(Array.from(turns.at(-2)!.content)).toHaveLength(4000);
    expect(turns[0]).toEqual({ role: 'assistant', content: 'a1' });
    expect(turns.map((t) => t.content)).not.toContain('q3');
  });
});
