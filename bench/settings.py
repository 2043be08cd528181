"""`make bench` settings: every BENCH_* variable, with its default (README, "Tests and checks")."""
import os
from pathlib import Path


def ints(name, default):
    return [int(x) for x in os.environ.get(name, default).replace(",", " ").split()]


ROOT = Path(__file__).resolve().parent.parent
BIN = Path(os.environ.get("STOCKROOM_BIN", ROOT / "target/release/stockroom"))
RESULTS = ROOT / "bench/results"
PG = dict(host=os.environ.get("PG_HOST", "127.0.0.1"), port=os.environ.get("PG_PORT", "5432"),
          admin=os.environ.get("PG_ADMIN_USER", "postgres"), db="stockroom_bench")
SERVICES = ["auth", "inventory", "orders", "gateway"]

# Measured seconds per scenario, after an unmeasured warm-up of WARMUP seconds.
DURATION = int(os.environ.get("BENCH_SECONDS", "10"))
WARMUP = int(os.environ.get("BENCH_WARMUP_SECONDS", "2"))
# Order creation and its floors run at each of these; 16 is where issue 14 measures and where
# the latency targets are checked.
ORDER_CONNECTIONS = ints("BENCH_CONNECTIONS", "16,32")
READ_CONNECTIONS = ints("BENCH_READ_CONNECTIONS", "16,64")
TARGET_CONNECTIONS = 16
# Order creation with a webhook subscribed to order.* against the same system without one
# (issue 17): the events service runs in both, rounds alternate off/on and on/off, each
# WEBHOOK_SECONDS at TARGET_CONNECTIONS, spread; 0 rounds skips it. After each round with the
# webhook on, up to WEBHOOK_DRAIN_SECONDS for the deliveries still on their way (their rate is
# recorded), and before each round as long for the events of the one before to be planned.
WEBHOOK_ROUNDS = int(os.environ.get("BENCH_WEBHOOK_ROUNDS", "2"))
WEBHOOK_SECONDS = int(os.environ.get("BENCH_WEBHOOK_SECONDS", str(DURATION)))
WEBHOOK_DRAIN_SECONDS = int(os.environ.get("BENCH_WEBHOOK_DRAIN_SECONDS", "30"))
WEBHOOK_SERVICES = ["auth", "inventory", "orders", "events", "gateway"]
# The catalogue; "spread" orders pick any of its products at random, "hot" orders the first.
PRODUCTS = int(os.environ.get("BENCH_PRODUCTS", "100"))
DISTRIBUTIONS = ["spread", "hot"]
# AI provider fast / hanging / absent, interleaved rounds of AI_SECONDS each.
AI_ROUNDS = int(os.environ.get("BENCH_AI_ROUNDS", "3"))
AI_SECONDS = int(os.environ.get("BENCH_AI_SECONDS", "4"))
# Empty (the default) skips the CPU comparison with an older build, which needs a release build
# of that revision (several minutes the first time; cached in target/bench-baseline).
BASELINE_REV = os.environ.get("BENCH_BASELINE_REV", "")
CPU_ROUNDS = int(os.environ.get("BENCH_CPU_ROUNDS", "5"))
