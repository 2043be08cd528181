"""The targets of issues 14 and 17 as checks (reported, never failing the run), the Markdown report,
and the README's Performance table."""
import json

from settings import DISTRIBUTIONS, ORDER_CONNECTIONS, READ_CONNECTIONS, RESULTS, ROOT, SERVICES, TARGET_CONNECTIONS

FLOOR_SHARE = 0.5
ORDER_P99_MS = 20
READ_ONE_P99_MS = 5
RSS_MB = 30
READY_MS = 1000
# Issue 17: order creation with a webhook subscribed loses at most this share of its throughput.
WEBHOOK_COST = 0.10


def check(target, measured, met):
    return {"target": target, "measured": measured, "met": met}


def checks(r):
    out = []
    for d in DISTRIBUTIONS:
        for c in ORDER_CONNECTIONS:
            x, share = r["orders"][d][str(c)], r["orders"][d][str(c)]["vs_minimal_floor"]
            floor = r["floors"]["minimal"][d][str(c)]["throughput_rps"]
            out.append(check(f"order creation ≥ {FLOOR_SHARE:.0%} of the minimal floor, {d}, {c} connections",
                             f"{share:.0%} ({x['throughput_rps']} of {floor} orders/s)" if share is not None else "no floor measured",
                             share >= FLOOR_SHARE if share is not None else None))
    c = str(TARGET_CONNECTIONS)
    for d in DISTRIBUTIONS:
        x = r["orders"][d].get(c)
        out.append(check(f"order creation p99 ≤ {ORDER_P99_MS} ms, {d}, {c} connections",
                         f"{x['p99_ms']} ms" if x else "not measured", x["p99_ms"] <= ORDER_P99_MS if x else None))
    x = r["reads"]["product_one"].get(c)
    out.append(check(f"one product p99 ≤ {READ_ONE_P99_MS} ms, {c} connections",
                     f"{x['p99_ms']} ms" if x else "not measured", x["p99_ms"] <= READ_ONE_P99_MS if x else None))
    rss = r["rss_idle_mb"]
    out.append(check(f"idle RSS < {RSS_MB} MB per service", ", ".join(f"{s} {v} MB" for s, v in rss.items()),
                     max(rss.values()) < RSS_MB))
    ready = r["ready_ms"]
    out.append(check(f"ready < {READY_MS / 1000:.0f} s, each service on PostgreSQL",
                     ", ".join(f"{s} {v} ms" for s, v in ready.items()), max(ready.values()) < READY_MS))
    out.append(check(f"ready < {READY_MS / 1000:.0f} s, `stockroom all` on SQLite", f"{r['ready_all_sqlite_ms']} ms",
                     r["ready_all_sqlite_ms"] < READY_MS))
    w = r.get("webhooks")
    if w:
        out.append(check(f"order creation with a webhook on order.* within {WEBHOOK_COST:.0%} of without (on ÷ off ≥ "
                         f"{1 - WEBHOOK_COST:.2f}), {w['distribution']}, {w['connections']} connections",
                         f"{w['on_vs_off']:.2f} ({w['on']['throughput_rps']} against {w['off']['throughput_rps']} orders/s)",
                         w["on_vs_off"] >= 1 - WEBHOOK_COST))
        # The ratio means something only if the deliveries were made, not put off until later.
        on = [x for x in w["runs"] if x["mode"] == "on"]
        left = [sum(x["left_after_drain"].values()) for x in on]
        out.append(check(f"webhook deliveries keep up: nothing still on its way {w['drain_limit_s']} s after a round",
                         f"{sum(x['delivered_in_window'] for x in on)} delivered while {sum(x['requests'] for x in on)} "
                         f"orders were measured; {', '.join(map(str, left))} still on the way {w['drain_limit_s']} s "
                         f"after each round ({', '.join(str(x['drain_deliveries_per_s']) for x in on)} deliveries/s "
                         "meanwhile)", not any(left)))
    return out


def row(*cells):
    return "| " + " | ".join(str(c) for c in cells) + " |"


def order_rows(r):
    rows = [row("order creation", "products", "conns", "orders/s", "p50 (ms)", "p99 (ms)", "errors", "× minimal floor", "× current floor"),
            "|---|---:|---:|---:|---:|---:|---:|---:|---:|"]
    scenarios = [("minimal floor: one transaction (pgbench)", lambda d, c: r["floors"]["minimal"][d][c]),
                 ("current-design floor: 2 commits, unbatched (pgbench)", lambda d, c: r["floors"]["current"][d][c]),
                 ("**through the gateway**", lambda d, c: r["orders"][d][c])]
    if r.get("orders_ai"):
        rounds = r["settings"]["ai_rounds"]
        scenarios += [(f"gateway, AI provider {label} (median of {rounds})", lambda d, c, m=m: r["orders_ai"][m][d][c])
                      for m, label in [("fast", "fast"), ("hang", "hanging"), ("absent", "absent")]]
    for d in DISTRIBUTIONS:
        products = r["settings"]["products"] if d == "spread" else 1
        for c in map(str, ORDER_CONNECTIONS):
            minimal = r["floors"]["minimal"][d][c]["throughput_rps"]
            current = r["floors"]["current"][d][c]["throughput_rps"]
            for name, get in scenarios:
                x = get(d, c)
                share = lambda floor: f"{x['throughput_rps'] / floor:.2f}" if floor else ""
                rows.append(row(f"{name}, {d}", products, c, x["throughput_rps"], x["p50_ms"], x["p99_ms"], x["errors"],
                                share(minimal), share(current)))
    return rows


def read_rows(r):
    rows = [row("reads and sign-in, through the gateway", "conns", "req/s", "p50 (ms)", "p99 (ms)", "errors"),
            "|---|---:|---:|---:|---:|---:|"]
    names = {"product_list": "product list (20 per page)", "product_one": "one product",
             "product_one_direct": "one product, inventory directly (no gateway)"}
    for key, name in names.items():
        for c, x in r["reads"][key].items():
            rows.append(row(name, c, x["throughput_rps"], x["p50_ms"], x["p99_ms"], x["errors"]))
    x = r["login"]
    rows.append(row("login (argon2id)", x["connections"], x["throughput_rps"], x["p50_ms"], x["p99_ms"], x["errors"]))
    return rows


def cpu_rows(r):
    rows = [row("service CPU s per 1,000 orders", "conns", *SERVICES, "total"), "|---|---:|" + "---:|" * (len(SERVICES) + 1)]
    for d in DISTRIBUTIONS:
        for c, x in r["orders"][d].items():
            cpu = x["cpu_s_per_1000_orders"]
            rows.append(row(f"through the gateway, {d}", c, *(cpu[s] for s in SERVICES), f"**{cpu['total']}**"))
    return rows


def webhook_rows(w):
    rows = [row(f"orders with a webhook ({w['rounds']} rounds each), {w['distribution']}", "conns", "orders/s",
                "p50 (ms)", "p99 (ms)", "errors", "events CPU s / 1,000", "services CPU s / 1,000",
                "PostgreSQL CPU s / 1,000 (events' backends)", "receiver CPU s / 1,000", "deliveries while measured"),
            "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|"]
    for mode, name in [("off", "no webhook (the events service running)"), ("on", "**webhook on `order.*`**")]:
        x = w[mode]
        cpu = x["cpu_s_per_1000_orders"]
        rows.append(row(name, w["connections"], x["throughput_rps"], x["p50_ms"], x["p99_ms"], x["errors"],
                        cpu["events"], cpu["total"], f"{cpu['postgres']} ({cpu.get('pg:events', 0)})", cpu["receiver"],
                        x["delivered_in_window"]))
    return rows


def webhook_notes(w):
    notes = [f"Webhook on ÷ off, order throughput: **{w['on_vs_off']:.2f}** ({w['seconds']} s per round after "
             f"{w['warmup_seconds']} s of warm-up, rounds off/on then on/off)"]
    for i, x in enumerate(r for r in w["runs"] if r["mode"] == "on"):
        b = x["backlog_at_end"]
        left = x["left_after_drain"]
        drained = (f"arrived {x['drain_s']} s later" if x["drain_s"] is not None
                   else f"had not all arrived {w['drain_limit_s']} s later ({left['outbox']} in the outbox, "
                        f"{left['unplanned']} not planned, {left['pending']} pending)")
        notes.append(f"Webhook round {i + 1}: {x['requests']} orders measured, {x['delivered_in_window']} deliveries "
                     f"arrived meanwhile; at the end {b['outbox']} events in orders' outbox, {b['unplanned']} not yet "
                     f"planned, {b['pending']} deliveries pending, which {drained}; "
                     f"{x['drain_deliveries_per_s']} deliveries/s meanwhile")
    rec = w["receiver"]
    notes.append(f"The receiver got {rec['requests']} requests for {rec['deliveries']} distinct deliveries "
                 f"({rec['redelivered']} redelivered)")
    return notes


def check_rows(r):
    rows = [row("target (issues 14, 17)", "measured", ""), "|---|---|---|"]
    for x in r["checks"]:
        verdict = "not measured" if x["met"] is None else ("met" if x["met"] else "**missed**")
        rows.append(row(x["target"], x["measured"], verdict))
    return rows


def markdown(r):
    d, s = r["derived"], r["settings"]
    notes = [f"Gateway overhead over a direct call ({max(READ_CONNECTIONS)} connections): "
             f"p50 +{d['gateway_overhead_p50_ms']} ms, p99 +{d['gateway_overhead_p99_ms']} ms"]
    if "ai_order_p50_spread_max" in d:
        noise = (f"one mode moves up to {d['ai_order_p50_noise_max']:.0%} between rounds (the machine's own noise)"
                 if s["ai_rounds"] > 1 else "one round only, so the machine's own noise is not known")
        notes.append(f"AI provider fast / hanging / absent: order p50 medians lie up to {d['ai_order_p50_spread_max']:.0%} apart; {noise}")
    base = r.get("cpu_vs_baseline")
    if base:
        notes.append(f"Service CPU per 1,000 orders against {base['baseline_rev']}, measured alternately "
                     f"({len(base['rounds']['current'])} rounds, medians): {base['current_cpu_s_per_1000_orders']} s "
                     f"against {base['baseline_cpu_s_per_1000_orders']} s, ratio **{base['current_vs_baseline']}**")
    notes += [
        "Resident memory at idle: " + ", ".join(f"{k} {v} MB" for k, v in r["rss_idle_mb"].items())
        + "; after the load: " + ", ".join(f"{k} {v} MB" for k, v in r["rss_after_load_mb"].items()),
        "Start to ready (`/readyz` 200) on PostgreSQL: " + ", ".join(f"{k} {v} ms" for k, v in r["ready_ms"].items())
        + f"; `stockroom all` on SQLite: {r['ready_all_sqlite_ms']} ms",
        f"{s['seconds']} s per scenario after {s['warmup_seconds']} s of warm-up ({s['ai_seconds']} s per AI round), "
        f"{s['products']} products, {r['machine']['cpus']} CPUs, load generators on the same machine; "
        f"the whole run took {r['wall_seconds']} s ({r['generated_at']})",
    ]
    w = r.get("webhooks")
    if w:
        notes = webhook_notes(w) + notes
    parts = [check_rows(r), order_rows(r), cpu_rows(r), *([webhook_rows(w)] if w else []), read_rows(r),
             [f"- {n}" for n in notes]]
    return "\n\n".join("\n".join(p) for p in parts) + "\n"


def write_results(r, table):
    (RESULTS / "latest.json").write_text(json.dumps(r, indent=2, ensure_ascii=False) + "\n")
    (RESULTS / "latest.md").write_text(table)


def update_readme(table):
    readme = ROOT / "README.md"
    text = readme.read_text()
    start, end = "<!-- bench:start -->", "<!-- bench:end -->"
    if start in text and end in text:
        head, rest = text.split(start, 1)
        _, tail = rest.split(end, 1)
        readme.write_text(f"{head}{start}\n{table}{end}{tail}")
