import { render, screen } from '@testing-library/react';
import { describe, expect, it } from 'vitest';
import { StockBadge } from './Status';

describe('StockBadge', () => {
  it('judges low at the effective reorder point, not the stored one', () => {
    render(<StockBadge product={{ available: 8, effective_reorder_point: 10 }} />);
    expect(screen.getByText('Low')).toBeTruthy();
  });

  it('is in stock above the point and out of stock at zero', () => {
    render(<StockBadge product={{ available: 11, effective_reorder_point: 10 }} />);
    render(<StockBadge product={{ available: 0, effective_reorder_point: 10 }} />);
    expect(screen.getByText('In stock')).toBeTruthy();
    expect(screen.getByText('Out of stock')).toBeTruthy();
  });
});
