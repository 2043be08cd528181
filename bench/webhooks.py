"""Order creation with a webhook subscribed to order.* against the same system without one
(issue 17). Its own system on a fresh database, with the events service running in both modes:
the only difference is whether the webhook is active. Rounds alternate (off, on, then on, off)
so drift as the tables grow falls on both alike, and each starts once the events service has
planned every event of the round before. The receiver (receiver.py) answers 200 at once.

Besides the orders, each round with the webhook on records how many deliveries arrived while
it was measured, what was still on its way when it ended (orders' outbox, events not yet
planned, deliveries pending) and how long that took to arrive afterwards."""
import statistics
import time

from loads import psql, wrk
from settings import (TARGET_CONNECTIONS, WARMUP, WEBHOOK_DRAIN_SECONDS, WEBHOOK_ROUNDS, WEBHOOK_SECONDS,
                      WEBHOOK_SERVICES)
from stack import System, cpu_seconds, fresh_database, http, pg_cpu, product_files, receiver

MODES = ["off", "on"]


def backlog():
    """What has not reached the receiver yet, from the services' own tables."""
    out = psql("-c", "SELECT (SELECT count(*) FROM orders.outbox), "
                     "(SELECT count(*) FROM events.events WHERE NOT fanned_out), "
                     "(SELECT count(*) FROM events.webhook_deliveries WHERE status = 'pending')")
    outbox, unplanned, pending = (int(x) for x in out.strip().split("|"))
    return {"outbox": outbox, "unplanned": unplanned, "pending": pending}


def settle():
    """Waits up to WEBHOOK_DRAIN_SECONDS until every event of the rounds before is planned, so
    a round starts with the events service caught up; the seconds it took."""
    started = time.monotonic()
    while time.monotonic() - started < WEBHOOK_DRAIN_SECONDS:
        left = backlog()
        if not left["outbox"] and not left["unplanned"]:
            break
        time.sleep(0.5)
    return round(time.monotonic() - started, 1)


def drain(stats):
    """Waits up to WEBHOOK_DRAIN_SECONDS for the backlog to reach the receiver."""
    started, first = time.monotonic(), stats()["deliveries"]
    while True:
        left = backlog()
        waited = time.monotonic() - started
        if not any(left.values()) or waited >= WEBHOOK_DRAIN_SECONDS:
            delivered = stats()["deliveries"] - first
            return {"drain_s": round(waited, 1) if not any(left.values()) else None, "left_after_drain": left,
                    "delivered_while_draining": delivered,
                    "drain_deliveries_per_s": round(delivered / waited, 1) if waited else None}
        time.sleep(0.5)


def one_round(system, mode, env, hook, token, recv):
    """One measured wrk run with the webhook `mode`; service and receiver CPU over the window."""
    gw = system.url("gateway")
    # Events left by the round before are planned under its mode, before this one's is set.
    settled_s = settle()
    http("PATCH", f"{gw}/api/webhooks/{hook}", {"active": mode == "on"}, token)
    stats = lambda: http("GET", f"{recv['url']}/stats")
    cpu = lambda: {**system.cpu(), "receiver": cpu_seconds(recv["proc"].pid),
                   **{f"pg:{role}": v for role, v in pg_cpu().items()}}
    before = {}
    run = wrk("order.lua", gw, TARGET_CONNECTIONS, env, seconds=WEBHOOK_SECONDS,
              measuring=lambda: before.update(cpu=cpu(), stats=stats()))
    after_cpu, after = cpu(), stats()
    run["mode"] = mode
    run["settle_s"] = settled_s
    run["cpu_s"] = {s: round(v - before["cpu"].get(s, 0), 3) for s, v in after_cpu.items()}
    run["delivered_in_window"] = after["deliveries"] - before["stats"]["deliveries"]
    if mode == "on":
        run["backlog_at_end"] = backlog()
        run.update(drain(stats))
    return run


def summary(runs):
    """Mean throughput, median latencies, CPU per 1,000 orders over all the mode's rounds: each
    service, their total, the receiver, and PostgreSQL's backends per role (`pg:<role>`) and in all."""
    orders = sum(r["requests"] for r in runs)
    keys = sorted({s for r in runs for s in r["cpu_s"]})
    cpu = {s: round(sum(r["cpu_s"].get(s, 0) for r in runs) / max(orders, 1) * 1000, 3) for s in keys}
    cpu["total"] = round(sum(v for s, v in cpu.items() if s in WEBHOOK_SERVICES), 3)
    cpu["postgres"] = round(sum(v for s, v in cpu.items() if s.startswith("pg:")), 3)
    return {"throughput_rps": round(statistics.mean(r["throughput_rps"] for r in runs), 1),
            "p50_ms": round(statistics.median(r["p50_ms"] for r in runs), 2),
            "p99_ms": round(statistics.median(r["p99_ms"] for r in runs), 2),
            "requests": orders, "errors": sum(r["errors"] for r in runs),
            "delivered_in_window": sum(r["delivered_in_window"] for r in runs),
            "cpu_s_per_1000_orders": cpu}


def webhook_rounds():
    fresh_database()
    system, (proc, url) = System(services=WEBHOOK_SERVICES), receiver()
    recv = {"proc": proc, "url": url}
    try:
        system.start_all({"events": {"WEBHOOK_ALLOW_PRIVATE": "true"}})
        token, ids = system.seed()
        env = {"TOKEN": token, "PRODUCTS_FILE": product_files(ids)["spread"]}
        hook = http("POST", f"{system.url('gateway')}/api/webhooks",
                    {"url": f"{url}/hook", "events": ["order.*"]}, token)["id"]
        runs = []
        for i in range(WEBHOOK_ROUNDS):
            for mode in (MODES if i % 2 == 0 else MODES[::-1]):
                print(f"orders with the webhook {mode} (round {i + 1} of {WEBHOOK_ROUNDS})…", flush=True)
                runs.append(one_round(system, mode, env, hook, token, recv))
        received = http("GET", f"{url}/stats")
    finally:
        system.stop_all()
        proc.terminate()
        proc.wait()
    out = {m: summary([r for r in runs if r["mode"] == m]) for m in MODES}
    return {"connections": TARGET_CONNECTIONS, "distribution": "spread", "seconds": WEBHOOK_SECONDS,
            "warmup_seconds": WARMUP, "rounds": WEBHOOK_ROUNDS, "drain_limit_s": WEBHOOK_DRAIN_SECONDS, **out,
            "on_vs_off": round(out["on"]["throughput_rps"] / out["off"]["throughput_rps"], 3),
            "receiver": {**received, "redelivered": received["requests"] - received["deliveries"]},
            "runs": runs}
