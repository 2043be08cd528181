// Revenue (bars) and orders (line) per day as one labelled image, with axis titles, a legend
// and the same figures as a table. Plain SVG: no chart library to download, no Tab stops.
import { useLayoutEffect, useRef, useState } from 'react';
import type { DayRevenue } from '../api/types';
import { money } from '../format';

const HEIGHT = 260;
const M = { top: 12, right: 44, bottom: 44, left: 64 };

/** The last `days` calendar days (UTC, like the API's buckets), with zero for days without orders. */
export function fillDays(rows: DayRevenue[], days = 30, today = new Date()): DayRevenue[] {
  const byDate = new Map(rows.map((r) => [r.date.slice(0, 10), r]));
  const out: DayRevenue[] = [];
  for (let i = days - 1; i >= 0; i--) {
    const d = new Date(Date.UTC(today.getUTCFullYear(), today.getUTCMonth(), today.getUTCDate() - i));
    const date = d.toISOString().slice(0, 10);
    out.push(byDate.get(date) ?? { date, revenue_cents: 0, orders: 0 });
  }
  return out;
}

/** Round steps (1, 2, 5 × 10ⁿ) so that `count` ticks cover `max`. */
export function ticks(max: number, count = 4, integer = false): number[] {
  if (max <= 0) return [0, 1];
  const raw = max / count;
  const power = 10 ** Math.floor(Math.log10(raw));
  const step = Math.max(integer ? 1 : 0, [1, 2, 5, 10].map((m) => m * power).find((s) => s >= raw) ?? raw);
  const out = [];
  for (let v = 0; v < max + step; v += step) out.push(v);
  return out;
}

const dayLabel = new Intl.DateTimeFormat(undefined, { month: 'short', day: 'numeric', timeZone: 'UTC' });
const label = (date: string) => dayLabel.format(new Date(`${date.slice(0, 10)}T00:00:00Z`));

const compactFormats = new Map<string, Intl.NumberFormat>();
function compactMoney(cents: number, currency: string) {
  let f = compactFormats.get(currency);
  if (!f) {
    f = new Intl.NumberFormat(undefined, { style: 'currency', currency, notation: 'compact', maximumFractionDigits: 1 });
    compactFormats.set(currency, f);
  }
  return f.format(cents / 100);
}

export function describe(rows: DayRevenue[], currency: string): string {
  const total = rows.reduce((s, r) => s + r.revenue_cents, 0);
  const orders = rows.reduce((s, r) => s + r.orders, 0);
  const best = rows.reduce((b, r) => (r.revenue_cents > b.revenue_cents ? r : b), rows[0]);
  const range = rows.length ? `${label(rows[0].date)} to ${label(rows[rows.length - 1].date)}` : '';
  const n = (k: number) => `${k} ${k === 1 ? 'order' : 'orders'}`;
  const busiest = best && best.revenue_cents > 0 ? ` Best day ${label(best.date)}: ${money(best.revenue_cents, currency)}, ${n(best.orders)}.` : '';
  return `Revenue and orders per day, ${range}: ${money(total, currency)} from ${n(orders)} in total.${busiest}`;
}

export function RevenueChart({ rows, currency, period = 30 }: { rows: DayRevenue[]; currency: string; period?: number }) {
  const box = useRef<HTMLDivElement>(null);
  const [width, setWidth] = useState(0);
  useLayoutEffect(() => {
    const el = box.current;
    if (!el) return;
    setWidth(el.clientWidth);
    if (typeof ResizeObserver === 'undefined') return;
    const observer = new ResizeObserver(([entry]) => setWidth(Math.round(entry.contentRect.width)));
    observer.observe(el);
    return () => observer.disconnect();
  }, []);

  const days = fillDays(rows, period);
  const revenueTicks = ticks(Math.max(...days.map((d) => d.revenue_cents)));
  const orderTicks = ticks(Math.max(...days.map((d) => d.orders)), 4, true);
  const plotW = Math.max(0, width - M.left - M.right);
  const plotH = HEIGHT - M.top - M.bottom;
  const slot = plotW / days.length;
  const yR = (v: number) => M.top + plotH - (v / revenueTicks[revenueTicks.length - 1]) * plotH;
  const yO = (v: number) => M.top + plotH - (v / orderTicks[orderTicks.length - 1]) * plotH;
  const x = (i: number) => M.left + slot * i + slot / 2;
  const every = Math.max(1, Math.ceil(days.length / Math.max(1, Math.floor(plotW / 64))));
  const line = days.map((d, i) => `${i ? 'L' : 'M'}${x(i).toFixed(1)},${yO(d.orders).toFixed(1)}`).join(' ');
  const withOrders = rows.filter((r) => r.orders > 0 || r.revenue_cents > 0);

  return (
    <figure className="chart-figure">
      <div className="chart" ref={box}>
        {width > 0 && (
          <svg width={width} height={HEIGHT} role="img" aria-label={describe(days, currency)}>
            {revenueTicks.map((t) => (
              <g key={`r${t}`}>
                <line className="grid" x1={M.left} x2={M.left + plotW} y1={yR(t)} y2={yR(t)} />
                <text x={M.left - 6} y={yR(t)} textAnchor="end" dominantBaseline="middle">{compactMoney(t, currency)}</text>
              </g>
            ))}
            {orderTicks.map((t) => (
              <text key={`o${t}`} x={M.left + plotW + 6} y={yO(t)} dominantBaseline="middle">{t}</text>
            ))}
            {days.map((d, i) => (
              <rect key={d.date} className="bar" x={x(i) - Math.min(slot * 0.35, 14)} width={Math.min(slot * 0.7, 28)} y={yR(d.revenue_cents)} height={M.top + plotH - yR(d.revenue_cents)}>
                <title>{`${label(d.date)}: ${money(d.revenue_cents, currency)}, ${d.orders} ${d.orders === 1 ? 'order' : 'orders'}`}</title>
              </rect>
            ))}
            <path className="line" d={line} />
            {days.map((d, i) => d.orders > 0 && <circle key={d.date} className="point" cx={x(i)} cy={yO(d.orders)} r={3} />)}
            {days.map((d, i) => i % every === (days.length - 1) % every && (
              <text key={d.date} x={x(i)} y={M.top + plotH + 16} textAnchor="middle">{label(d.date)}</text>
            ))}
            <text className="axis-title" x={M.left + plotW / 2} y={HEIGHT - 4} textAnchor="middle">Day</text>
            <text className="axis-title" transform={`translate(12 ${M.top + plotH / 2}) rotate(-90)`} textAnchor="middle">{`Revenue (${currency})`}</text>
            <text className="axis-title" transform={`translate(${width - 4} ${M.top + plotH / 2}) rotate(90)`} textAnchor="middle">Orders</text>
          </svg>
        )}
      </div>
      <figcaption>
        <ul className="legend">
          <li><span className="swatch swatch-bar" aria-hidden="true" /> Revenue ({currency}), left axis</li>
          <li><span className="swatch swatch-line" aria-hidden="true" /> Orders, right axis</li>
        </ul>
      </figcaption>
      <details>
        <summary>Show the figures as a table</summary>
        <table>
          <caption className="visually-hidden">{`Revenue and orders on each day with orders, last ${period} days`}</caption>
          <thead>
            <tr><th scope="col">Day</th><th scope="col" className="num">Revenue</th><th scope="col" className="num">Orders</th></tr>
          </thead>
          <tbody>
            {withOrders.map((d) => (
              <tr key={d.date}>
                <th scope="row">{label(d.date)}</th>
                <td className="num">{money(d.revenue_cents, currency)}</td>
                <td className="num">{d.orders}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </details>
    </figure>
  );
}
