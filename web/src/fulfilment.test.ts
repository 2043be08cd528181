import { describe, expect, it } from 'vitest';
import { canReturn, canShip, leftToShip, returnable, statusLabel } from './fulfilment';
import { order, ret, shipment } from './test/fixtures';

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
      returnable_until: '2026-12-01T00:00:00Z',
      returns: [ret('r1', 'requested', [['tea', 1]]), ret('r2', 'received', [['mug', 1]]), ret('r3', 'rejected', [['tea', 2]])],
    });
    expect([...returnable(o)]).toEqual([['tea', 2], ['mug', 1]]);
    expect(canReturn(o, false, Date.parse('2026-11-20T00:00:00Z'))).toBe(true);
  });

  it('offers the customer a return only within the window, staff after it too', () => {
    const o = order({ status: 'delivered', shipments: [shipment('s1', [['tea', 3]], true)], returnable_until: '2026-12-01T00:00:00Z' });
    const after = Date.parse('2026-12-02T00:00:00Z');
    expect(canReturn(o, false, after)).toBe(false);
    expect(canReturn(o, true, after)).toBe(true);
    expect(canReturn({ ...o, returnable_until: null }, false, 0)).toBe(false);
  });

  it('offers no return before anything shipped, or once everything is back', () => {
    expect(canReturn(order({ status: 'confirmed' }), true)).toBe(false);
    const all = order({
      status: 'fulfilled',
      shipments: [shipment('s1', [['tea', 3], ['mug', 2]])],
      returns: [ret('r1', 'received', [['tea', 3], ['mug', 2]])],
    });
    expect(canReturn(all, true)).toBe(false);
  });

  it('writes statuses in words', () => {
    expect(statusLabel('partially_fulfilled')).toBe('partially fulfilled');
  });
});
