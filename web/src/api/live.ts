// Live events from `GET /api/events/stream` (Server-Sent Events). `EventSource` cannot send the
// Authorization header, so the stream is read with fetch; it reconnects with `Last-Event-ID`
// (missing nothing), and where streaming fails repeatedly it falls back to polling: `onEvent`
// is then called with `null` every interval, so the caller refreshes what it shows.
import { useEffect, useRef } from 'react';
import { session } from './client';

export interface LiveEvent {
  /** The log number: the stream resumes after it. */
  seq: number;
  type: string;
  data: { id: string; type: string; entity: { kind: string; id: string }; data: Record<string, unknown> };
}

/** Splits SSE text into complete frames; what is left is the start of the next one. */
export function parseFrames(buffer: string): { events: LiveEvent[]; rest: string } {
  const events: LiveEvent[] = [];
  const frames = buffer.replace(/\r\n/g, '\n').split('\n\n');
  const rest = frames.pop() ?? '';
  for (const frame of frames) {
    let id: string | undefined;
    let type = 'message';
    const data: string[] = [];
    for (const line of frame.split('\n')) {
      if (line.startsWith(':')) continue; // heartbeat
      const colon = line.indexOf(':');
      const field = colon < 0 ? line : line.slice(0, colon);
      const value = colon < 0 ? '' : line.slice(colon + 1).replace(/^ /, '');
      if (field === 'id') id = value;
      else if (field === 'event') type = value;
      else if (field === 'data') data.push(value);
    }
    if (id === undefined || !data.length) continue;
    try {
      events.push({ seq: Number(id), type, data: JSON.parse(data.join('\n')) });
    } catch {
      /* a malformed frame is skipped; the next one is read */
    }
  }
  return { events, rest };
}

const POLL_MS = 15000;
const FAILURES_BEFORE_POLLING = 3;

/** Calls `onEvent` for each live event (or `null` per poll when streaming is not possible). */
export function useLiveEvents(onEvent: (event: LiveEvent | null) => void, enabled = true) {
  const handler = useRef(onEvent);
  handler.current = onEvent;
  useEffect(() => {
    if (!enabled) return;
    const stop = new AbortController();
    let last: number | undefined;
    let failures = 0;
    const wait = (ms: number) => new Promise((r) => setTimeout(r, ms));
    const run = async () => {
      while (!stop.signal.aborted) {
        if (failures >= FAILURES_BEFORE_POLLING || typeof ReadableStream === 'undefined') {
          handler.current(null);
          await wait(POLL_MS);
          failures = Math.max(0, failures - 1); // try streaming again now and then
          continue;
        }
        try {
          const headers: Record<string, string> = {};
          if (session.token) headers.Authorization = `Bearer ${session.token}`;
          if (last !== undefined) headers['Last-Event-ID'] = String(last);
          const r = await fetch('/api/events/stream', { headers, signal: stop.signal });
          if (r.status === 401) await session.refresh();
          if (!r.ok || !r.body) throw new Error(`stream answered ${r.status}`);
          failures = 0;
          const reader = r.body.getReader();
          const text = new TextDecoder();
          let buffer = '';
          for (;;) {
            const { value, done } = await reader.read();
            if (done) break;
            const { events, rest } = parseFrames(buffer + text.decode(value, { stream: true }));
            buffer = rest;
            for (const e of events) {
              last = e.seq;
              handler.current(e);
            }
          }
        } catch {
          if (stop.signal.aborted) return;
          failures += 1;
        }
        await wait(1000 * Math.min(30, 2 ** failures));
      }
    };
    void run();
    return () => stop.abort();
  }, [enabled]);
}

/** The cached lists each event family makes stale. */
const STALE: Record<string, string[][]> = {
  order: [['orders'], ['order'], ['dashboard'], ['products'], ['notifications']],
  return: [['orders'], ['order'], ['returns'], ['dashboard']],
  stock: [['products'], ['dashboard'], ['restock']],
  product: [['products']],
  purchase_order: [['purchase-orders'], ['products']],
  supplier: [['suppliers']],
};

/** What a person is told of an event as it happens, if anything: staff hear of new orders. */
export function announcement(event: LiveEvent): string | null {
  if (event.type !== 'order.confirmed') return null;
  const { number, customer_email: customer } = event.data.data ?? {};
  if (typeof number !== 'string') return 'New order';
  return typeof customer === 'string' ? `New order ${number} from ${customer}` : `New order ${number}`;
}

/**
 * Keeps what the signed-in user sees fresh: a live event marks its lists stale (or, while
 * streaming is not possible, every poll marks the order lists stale). With `announce`, new
 * orders are announced too.
 */
export function useLiveRefresh(
  queryClient: { invalidateQueries: (f: { queryKey: string[] }) => unknown },
  enabled: boolean,
  announce?: (text: string) => void,
) {
  useLiveEvents((event) => {
    const families = event ? [event.type.split('.')[0]] : ['order'];
    for (const f of families) for (const queryKey of STALE[f] ?? []) void queryClient.invalidateQueries({ queryKey });
    const text = event && announce ? announcement(event) : null;
    if (text) announce?.(text);
  }, enabled);
}
