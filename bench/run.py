#!/usr/bin/env python3
"""`make bench`: Stockroom on PostgreSQL under a real load generator (wrk), next to what
PostgreSQL itself commits (pgbench), every figure from one run so ratios compare like with like.
Loopback only; every load is bounded in time (the whole run takes about 9 minutes by default).

Writes bench/results/latest.json and bench/results/latest.md, and the README's Performance table.
Settings: bench/settings.py (BENCH_* variables).
"""
import os
import shutil
import sys
import time

sys.dont_write_bytecode = True  # no __pycache__ in bench/

# pylint: disable=wrong-import-position
from baseline import compare_cpu
from loads import pgbench, psql, wrk
from report import checks, markdown, update_readme, write_results
from settings import (AI_ROUNDS, AI_SECONDS, BASELINE_REV, BIN, DISTRIBUTIONS, DURATION, ORDER_CONNECTIONS,
                      PRODUCTS, READ_CONNECTIONS, RESULTS, ROOT, WARMUP, WEBHOOK_ROUNDS, WEBHOOK_SECONDS)
from stack import System, cold_start_all_sqlite, fake_ai, fresh_database, product_files
from webhooks import webhook_rounds

# pgbench scripts: the floor order creation is measured against, and today's design's SQL.
FLOORS = {"minimal": "order_minimal.sql", "current": "order_floor.sql"}
AI_MODES = ["fast", "hang", "absent"]


def need(tool, hint):
    if not shutil.which(tool):
        sys.exit(f"make bench needs {tool}: {hint}")


def products_for(distribution):
    return PRODUCTS if distribution == "spread" else 1


def orders_with_cpu(system, url, connections, env):
    """Orders through the gateway, with each service's CPU seconds over the measured window."""
    before = {}
    run = wrk("order.lua", url, connections, env, measuring=lambda: before.update(system.cpu()))
    used = {s: v - before[s] for s, v in system.cpu().items()}
    per_1000 = {s: round(v / max(run["requests"], 1) * 1000, 3) for s, v in used.items()}
    per_1000["total"] = round(sum(used.values()) / max(run["requests"], 1) * 1000, 3)
    run["cpu_s_per_1000_orders"] = per_1000
    return run


def median_run(runs):
    """The run with the median p50, with the total requests and errors of all runs."""
    chosen = dict(sorted(runs, key=lambda r: r["p50_ms"])[len(runs) // 2])
    chosen["requests"] = sum(r["requests"] for r in runs)
    chosen["errors"] = sum(r["errors"] for r in runs)
    chosen["rounds"] = len(runs)
    return chosen


def ai_rounds(system, env, files):
    """Order creation with the AI provider fast, hanging and absent, in interleaved rounds: the
    tables grow during the run and latency drifts with them, so each mode is measured early and
    late and the medians compared."""
    gw = system.url("gateway")
    runs = {m: {d: {c: [] for c in ORDER_CONNECTIONS} for d in DISTRIBUTIONS} for m in AI_MODES}
    for _ in range(AI_ROUNDS):
        for mode in AI_MODES:
            system.stop("orders")
            extra, provider = {}, None
            if mode != "absent":
                provider, url = fake_ai(mode)
                extra = {"OPENROUTER_API_KEY": "bench", "AI_BASE_URL": url, "AI_TIMEOUT_MS": "10000"}
            try:
                system.start("orders", extra)
                for d in DISTRIBUTIONS:
                    for c in ORDER_CONNECTIONS:
                        runs[mode][d][c].append(wrk("order.lua", gw, c, {**env, "PRODUCTS_FILE": files[d]},
                                                    seconds=AI_SECONDS, warmup=1))
            finally:
                if provider:
                    provider.terminate()
                    provider.wait()
    medians = {m: {d: {str(c): median_run(r) for c, r in per_c.items()} for d, per_c in per_d.items()}
               for m, per_d in runs.items()}
    p50s = {f"{m}/{d}/{c}": [x["p50_ms"] for x in r] for m, per_d in runs.items()
            for d, per_c in per_d.items() for c, r in per_c.items()}
    return medians, p50s


def with_floor_ratios(run, floors, distribution, connections):
    for name in FLOORS:
        floor = floors[name][distribution][str(connections)]["throughput_rps"]
        run[f"vs_{name}_floor"] = round(run["throughput_rps"] / floor, 3) if floor else None
    return run


def main():
    need("wrk", "apt-get install -y wrk")
    need("pgbench", "apt-get install -y postgresql-contrib (pgbench comes with PostgreSQL)")
    if not BIN.exists():
        sys.exit(f"build the release binary first: cargo build --release -p stockroom ({BIN} is missing)")
    started = time.monotonic()
    RESULTS.mkdir(parents=True, exist_ok=True)
    fresh_database()
    r = {"machine": {"cpus": os.cpu_count(), "kernel": os.uname().release},
         "settings": {"seconds": DURATION, "warmup_seconds": WARMUP, "order_connections": ORDER_CONNECTIONS,
                      "read_connections": READ_CONNECTIONS, "products": PRODUCTS, "ai_rounds": AI_ROUNDS,
                      "ai_seconds": AI_SECONDS, "webhook_rounds": WEBHOOK_ROUNDS, "webhook_seconds": WEBHOOK_SECONDS},
         "ready_all_sqlite_ms": cold_start_all_sqlite()}
    system = System()
    try:
        system.start_all()
        time.sleep(1)  # let the processes settle before reading idle memory
        r["rss_idle_mb"] = system.rss()
        r["ready_ms"] = dict(system.ready_ms)
        token, ids = system.seed()
        files = product_files(ids)
        psql("-v", f"products={PRODUCTS}", "-f", str(ROOT / "bench/floor_schema.sql"))
        gw = system.url("gateway")
        env = {"TOKEN": token}

        # Each floor right before the orders it is compared with, so both see the same machine.
        floors = {n: {d: {} for d in DISTRIBUTIONS} for n in FLOORS}
        orders = {d: {} for d in DISTRIBUTIONS}
        for c in ORDER_CONNECTIONS:
            for d in DISTRIBUTIONS:
                for name, script in FLOORS.items():
                    print(f"{name} floor (pgbench), {d}, {c} connections…", flush=True)
                    floors[name][d][str(c)] = pgbench(script, c, products_for(d))
                print(f"orders through the gateway, {d}, {c} connections…", flush=True)
                orders[d][str(c)] = with_floor_ratios(
                    orders_with_cpu(system, gw, c, {**env, "PRODUCTS_FILE": files[d]}), floors, d, c)
        r["floors"], r["orders"] = floors, orders

        reads = {"product_list": {}, "product_one": {}, "product_one_direct": {}}
        for c in READ_CONNECTIONS:
            print(f"reads through the gateway, {c} connections…", flush=True)
            reads["product_list"][str(c)] = wrk("get.lua", gw, c, {**env, "PATH_TEMPLATE": "/api/products?limit=20"})
            reads["product_one"][str(c)] = wrk("get.lua", gw, c, {**env, "PRODUCTS_FILE": files["spread"],
                                                                  "PATH_TEMPLATE": "/api/products/{id}"})
        # The same read straight from inventory: what the gateway adds.
        top = max(READ_CONNECTIONS)
        reads["product_one_direct"][str(top)] = wrk("get.lua", system.url("inventory"), top, {
            **env, "PRODUCTS_FILE": files["spread"], "PATH_TEMPLATE": "/api/products/{id}"})
        r["reads"] = reads
        print("login…", flush=True)
        r["login"] = wrk("login.lua", gw, max(ORDER_CONNECTIONS), {"EMAIL": "bench@example.com"})
        r["rss_after_load_mb"] = system.rss()

        if AI_ROUNDS:
            print("orders with the AI provider fast, hanging and absent…", flush=True)
            ai, p50s = ai_rounds(system, env, files)
            for m in ai:
                for d in ai[m]:
                    for c in ai[m][d]:
                        with_floor_ratios(ai[m][d][c], floors, d, int(c))
            r["orders_ai"], r["ai_rounds_p50_ms"] = ai, p50s
    finally:
        system.stop_all()
    if WEBHOOK_ROUNDS:
        print("orders with a webhook on order.* and without (the events service running in both)…", flush=True)
        r["webhooks"] = webhook_rounds()
    r["cpu_vs_baseline"] = compare_cpu() if BASELINE_REV else None

    direct, via = reads["product_one_direct"][str(top)], reads["product_one"][str(top)]
    r["derived"] = {"gateway_overhead_p50_ms": round(via["p50_ms"] - direct["p50_ms"], 2),
                    "gateway_overhead_p99_ms": round(via["p99_ms"] - direct["p99_ms"], 2)}
    if AI_ROUNDS:
        # How far the three modes' medians lie apart, next to how far one mode moves between rounds.
        combos = [(d, str(c)) for d in DISTRIBUTIONS for c in ORDER_CONNECTIONS]
        apart = [(max(v) - min(v)) / min(v) for v in ([r["orders_ai"][m][d][c]["p50_ms"] for m in AI_MODES] for d, c in combos)]
        noise = [(max(v) - min(v)) / min(v) for v in r["ai_rounds_p50_ms"].values()]
        r["derived"]["ai_order_p50_spread_max"] = round(max(apart), 3)
        r["derived"]["ai_order_p50_noise_max"] = round(max(noise), 3)
    r["checks"] = checks(r)
    r["wall_seconds"] = round(time.monotonic() - started)
    r["generated_at"] = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
    table = markdown(r)
    write_results(r, table)
    update_readme(table)
    print(table)


if __name__ == "__main__":
    main()
