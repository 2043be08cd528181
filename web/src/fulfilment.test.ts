import { describe, expect, it } from 'vitest';
import { canReturn, canShip, leftToShip, returnable, statusLabel } from './fulfilment';
import { order, shipment } from './test/fixtures';

describe('fulfilment arithmetic', () => {
  it('leaves to ship what no shipment took yet', () => {
    const o = order({ status: 'partially_fulfilled', shipments: [shipment('s1', [['tea', 2]]), shipment('s2', [['tea', 1], ['mug', 1]])] });
    expect([...leftToShip(o)]).toEqual([['tea', 0], ['mug', 1]]);
    expect(canShip(o)).toBe(true);
    expect(canShip(order({ status: 'fulfilled' }))).toBe(false);
  });

  it('lets back what shipped minus returns that were not rejected', () => {
    const o = order({
      status: 'delivered',
      shipments: [shipment('s1', [['tea', 3], ['mug', 2]], true)],
      returns: [
        { id: 'r1', status: 'requested', reason: 'late', lines: [{ product_id: 'tea', quantity: 1 }] },
        { id: 'r2', status: 'received', reason: 'chipped', lines: [{ product_id: 'mug', quantity: 1 }] },
        { id: 'r3', status: 'rejected', reason: 'used', lines: [{ product_id: 'tea', quantity: 2 }] },
      ],
    });
    expect([...returnable(o)]).toEqual([['tea', 2], ['mug', 1]]);
    expect(canReturn(o)).toBe(true);
  });

  it('offers no return before anything shipped, or once everything is back', () => {
    expect(canReturn(order({ status: 'confirmed' }))).toBe(false);
    const all = order({
      status: 'fulfilled',
      shipments: [shipment('s1', [['tea', 3], ['mug', 2]])],
      returns: [{ id: 'r1', status: 'received', reason: 'x', lines: [{ product_id: 'tea', quantity: 3 }, { product_id: 'mug', quantity: 2 }] }],
    });
    expect(canReturn(all)).toBe(false);
  });

  it('writes statuses in words', () => {
    expect(statusLabel('partially_fulfilled')).toBe('partially fulfilled');
  });
});
