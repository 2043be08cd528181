import { render, screen } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { useState } from 'react';
import { describe, expect, it } from 'vitest';
import { coverOf, urgencyOf } from '../pages/Restock';
import { ConfirmProvider, Dialog, useConfirm } from './Dialog';
import { RevenueChart, describe as describeChart, fillDays, ticks } from './RevenueChart';

describe('dialogs', () => {
  it('are named by their heading, even when the title has spaces', () => {
    render(<Dialog title="New product" open onClose={() => undefined}><p>body</p></Dialog>);
    const dialog = document.querySelector('dialog')!;
    const heading = document.getElementById(dialog.getAttribute('aria-labelledby')!);
    expect(heading?.textContent).toBe('New product');
  });

  it('confirm resolves true only when the user goes ahead', async () => {
    const user = userEvent.setup();
    const answers: boolean[] = [];
    function Archive() {
      const confirm = useConfirm();
      const [n, setN] = useState(0);
      return (
        <button type="button" onClick={async () => { answers.push(await confirm({ title: 'Archive Tea?', body: 'It leaves the catalogue.', action: 'Archive', danger: true })); setN(n + 1); }}>
          Archive {n}
        </button>
      );
    }
    render(<ConfirmProvider><Archive /></ConfirmProvider>);
    await user.click(screen.getByRole('button', { name: 'Archive 0' }));
    await user.click(screen.getByRole('button', { name: 'Keep as is', hidden: true }));
    await user.click(screen.getByRole('button', { name: 'Archive 1' }));
    const dialog = document.querySelector('dialog')!;
    expect(dialog.getAttribute('role')).toBe('alertdialog');
    expect(document.getElementById(dialog.getAttribute('aria-describedby')!)?.textContent).toBe('It leaves the catalogue.');
    await user.click(screen.getAllByRole('button', { name: 'Archive', hidden: true }).at(-1)!);
    expect(answers).toEqual([false, true]);
  });
});

describe('the revenue chart', () => {
  const rows = [
    { date: '2026-03-10', revenue_cents: 2100, orders: 1 },
    { date: '2026-03-12', revenue_cents: 5000, orders: 3 },
  ];
  it('covers the last 30 days with zeros where nothing sold', () => {
    const days = fillDays(rows, 30, new Date('2026-03-12T18:00:00Z'));
    expect(days).toHaveLength(30);
    expect(days.at(-1)).toEqual(rows[1]);
    expect(days.at(-2)).toEqual({ date: '2026-03-11', revenue_cents: 0, orders: 0 });
    expect(days[0].date).toBe('2026-02-11');
  });
  it('puts round ticks over the largest value', () => {
    expect(ticks(5000)).toEqual([0, 2000, 4000, 6000]);
    expect(ticks(3, 4, true)).toEqual([0, 1, 2, 3]);
    expect(ticks(0)).toEqual([0, 1]);
  });
  it('says in words what the picture shows, and offers the figures as a table', () => {
    expect(describeChart(rows, 'USD')).toMatch(/\$71\.00 from 4 orders in total\. Best day .*: \$50\.00, 3 orders\./);
    render(<RevenueChart rows={rows} currency="USD" />);
    expect(screen.getByText('Revenue (USD), left axis')).toBeTruthy();
    expect(screen.getByText('Orders, right axis')).toBeTruthy();
    expect(screen.getAllByRole('row', { hidden: true })).toHaveLength(3);
  });
});

describe('restock wording', () => {
  it('calls a product nobody bought "no recent demand", never critical', () => {
    expect(urgencyOf({ daily_demand: 0, urgency: 'critical' })).toEqual({ label: 'no recent demand', tone: 'idle' });
    expect(coverOf({ daily_demand: 0, days_of_cover: null })).toBe('no recent demand');
    expect(urgencyOf({ daily_demand: 1.5, urgency: 'critical' }).label).toBe('critical');
    expect(coverOf({ daily_demand: 2, days_of_cover: 4.5 })).toBe('4.5 d');
  });
});
