import { render, screen } from '@testing-library/react';
import { describe, expect, it } from 'vitest';
import { StatusChart, statusRows } from './StatusChart';

describe('StatusChart', () => {
  it('lists every status, zero when none, in lifecycle order', () => {
    expect(statusRows({ fulfilled: 4, confirmed: 2 })).toEqual([
      ['pending', 0], ['confirmed', 2], ['partially_fulfilled', 0], ['fulfilled', 4], ['delivered', 0],
      ['cancelled', 0], ['rejected', 0], ['failed', 0],
    ]);
    expect(statusRows({ archived: 1 }).at(-1)).toEqual(['archived', 1]);
  });

  it('shows each count as text next to its status', () => {
    render(<StatusChart counts={{ confirmed: 3 }} />);
    expect(screen.getByRole('rowheader', { name: 'confirmed' }).nextElementSibling?.textContent).toBe('3');
    expect(screen.getByRole('rowheader', { name: 'failed' }).nextElementSibling?.textContent).toBe('0');
  });

  it('counts the fulfilment states, named in words', () => {
    render(<StatusChart counts={{ partially_fulfilled: 2, delivered: 5 }} />);
    expect(screen.getByRole('rowheader', { name: 'partially fulfilled' }).nextElementSibling?.textContent).toBe('2');
    expect(screen.getByRole('rowheader', { name: 'delivered' }).nextElementSibling?.textContent).toBe('5');
  });
});
