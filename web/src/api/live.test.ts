import { describe, expect, it } from 'vitest';
import { announcement, parseFrames, type LiveEvent } from './live';

describe('parseFrames', () => {
  it('reads complete frames, skips heartbeats and keeps a partial frame for later', () => {
    const event = { id: 'e1', type: 'order.confirmed', entity: { kind: 'order', id: 'o1' }, data: {} };
    const text = `: heartbeat\n\nid: 7\nevent: order.confirmed\ndata: ${JSON.stringify(event)}\n\nid: 8\nevent: sto`;
    const { events, rest } = parseFrames(text);
    expect(events).toEqual([{ seq: 7, type: 'order.confirmed', data: event }]);
    expect(rest).toBe('id: 8\nevent: sto');
  });

  it('accepts CRLF line ends and ignores frames without data', () => {
    const { events } = parseFrames('id: 1\r\nevent: x.y\r\n\r\nid: 2\r\nevent: a.b\r\ndata: {"id":"e"}\r\n\r\n');
    expect(events.map((e) => e.seq)).toEqual([2]);
  });
});

describe('announcement', () => {
  const live = (type: string, data: Record<string, unknown>): LiveEvent => ({
    seq: 1,
    type,
    data: { id: 'e', type, entity: { kind: 'order', id: 'o1' }, data },
  });

  it('announces a confirmed order by its number and customer, and nothing else', () => {
    expect(announcement(live('order.confirmed', { number: 'SR-000042', customer_email: 'ana@example.com' }))).toBe(
      'New order SR-000042 from ana@example.com',
    );
    expect(announcement(live('order.confirmed', {}))).toBe('New order');
    expect(announcement(live('order.shipped', { number: 'SR-000042' }))).toBeNull();
    expect(announcement(live('stock.low', { sku: 'TEA' }))).toBeNull();
  });
});
