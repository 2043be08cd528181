import { describe, expect, it } from 'vitest';
import { ROUTES, allowed, match } from './routes';

describe('the route table', () => {
  it('keeps customers out of staff pages and staff out of the admin page', () => {
    const access = (path: string) => match(path)?.route.access;
    for (const path of ['/', '/products/p1', '/stocktake', '/suppliers', '/restock', '/assistant', '/returns']) {
      expect(allowed(access(path)!, 'customer'), path).toBe(false);
      expect(allowed(access(path)!, 'staff'), path).toBe(true);
    }
    for (const path of ['/orders', '/orders/new', '/orders/o1', '/products']) expect(allowed(access(path)!, 'customer'), path).toBe(true);
    expect(allowed(access('/users')!, 'staff')).toBe(false);
    expect(allowed(access('/users')!, 'admin')).toBe(true);
    expect(allowed('any', undefined)).toBe(false);
  });

  it('matches /orders/new before an order id, and names the data each page starts with', () => {
    expect(match('/orders/new')?.route.path).toBe('/orders/new');
    expect(match('/orders/abc')?.params.id).toBe('abc');
    const orders = match('/orders')!.route.data!({}, new URLSearchParams('status=confirmed&trail=c1,c2'));
    expect(orders[0].queryKey).toEqual(['orders', 'confirmed', 'c2']);
    const product = match('/products/p1')!;
    expect(product.route.data!(product.params, new URLSearchParams()).map((q) => q.queryKey)).toEqual([
      ['products', 'one', 'p1'],
      ['products', 'movements', 'p1'],
    ]);
    expect(ROUTES.every((r) => r.data)).toBe(true);
  });
});
