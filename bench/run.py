#!/usr/bin/env python3
"""`make bench`: Stockroom on PostgreSQL under a real load generator (wrk), every figure from
one run so ratios compare like with like. Loopback only; every load is bounded in time.

Writes bench/results/latest.json and bench/results/latest.md, and the README's Performance table.
"""
import secrets
import json
import os
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(os.environ.get("STOCKROOM_BIN", ROOT / "target/release/stockroom"))
DURATION = int(os.environ.get("BENCH_SECONDS", "10"))
CONCURRENCY = int(os.environ.get("BENCH_CONCURRENCY", "32"))
WARMUP = int(os.environ.get("BENCH_WARMUP_SECONDS", "2"))
AI_ROUNDS = int(os.environ.get("BENCH_AI_ROUNDS", "5"))
AI_SECONDS = int(os.environ.get("BENCH_AI_SECONDS", "6"))
PRODUCTS = int(os.environ.get("BENCH_PRODUCTS", "500"))
PG = dict(host="127.0.0.1", port="5432", admin="postgres", db="stockroom_bench")
SERVICES = ["auth", "inventory", "orders", "gateway"]
RESULTS = ROOT / "bench/results"
# The binary CPU per order is compared against: the last main before typed storage (issue 13).
BASELINE_REV = os.environ.get("BENCH_BASELINE_REV", "e362c9a")
CPU_ROUNDS = int(os.environ.get("BENCH_CPU_ROUNDS", "5"))


def need(tool, hint):
    if not shutil.which(tool):
        sys.exit(f"make bench needs {tool}: {hint}")


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def http(method, url, body=None, token=None, content_type="application/json"):
    data = body if isinstance(body, bytes) else (json.dumps(body).encode() if body is not None else None)
    req = urllib.request.Request(url, data=data, method=method)
    if data is not None:
        req.add_header("content-type", content_type)
    if token:
        req.add_header("authorization", f"Bearer {token}")
    with urllib.request.urlopen(req, timeout=60) as r:
        text = r.read().decode()
        return json.loads(text) if text else None


def wait_healthy(url, timeout=30.0):
    """Seconds until `url` answers 200 (polled every 5 ms)."""
    started = time.monotonic()
    while time.monotonic() - started < timeout:
        try:
            with urllib.request.urlopen(url, timeout=1) as r:
                if r.status == 200:
                    return time.monotonic() - started
        except OSError:
            pass
        time.sleep(0.005)
    raise SystemExit(f"{url} did not become healthy")


def rss_mb(pid):
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return round(int(line.split()[1]) / 1024, 1)
    return None


def cold_start_all_sqlite():
    """`stockroom all` on SQLite, from exec to every service healthy; median of three."""
    times = []
    for _ in range(3):
        data = tempfile.mkdtemp()
        ports = {s: free_port() for s in SERVICES}
        env = {**os.environ, "STOCKROOM_DATA_DIR": data, "RUST_LOG": "warn",
               **{f"{s.upper()}_PORT": str(p) for s, p in ports.items()},
               **{f"{s.upper()}_URL": f"http://127.0.0.1:{ports[s]}" for s in ["auth", "inventory", "orders"]}}
        started = time.monotonic()
        proc = subprocess.Popen([str(BIN), "all"], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        for s in SERVICES:
            wait_healthy(f"http://127.0.0.1:{ports[s]}/healthz")
        times.append(time.monotonic() - started)
        proc.send_signal(signal.SIGTERM)
        proc.wait(timeout=10)
        shutil.rmtree(data, ignore_errors=True)
    return round(statistics.median(times) * 1000)


class System:
    """The four services as separate processes on PostgreSQL, each as its own role."""

    def __init__(self, binary=BIN):
        self.binary = binary
        self.ports = {s: free_port() for s in SERVICES}
        self.procs = {}
        self.cold_ms = {}
        self.env = {**os.environ,
                    "BIND_ADDR": "127.0.0.1", "RUST_LOG": "info", "LOG_FORMAT": "json",
                    "SERVICE_CLIENT_SECRET": secrets.token_hex(32),
                    "ADMIN_EMAIL": "bench@example.com",
                    "RATE_LIMIT_PER_SECOND": "1000000", "RATE_LIMIT_BURST": "1000000",
                    # One account signs in from one address thousands of times a second: measured
                    # here is argon2 through the stack, not the limiter refusing it.
                    "LOGIN_MAX_FAILURES": "1000000000",
                    **{f"{s.upper()}_PORT": str(p) for s, p in self.ports.items()},
                    **{f"{s.upper()}_URL": self.url(s) for s in ["auth", "inventory", "orders"]}}
        self.env.pop("OPENROUTER_API_KEY", None)

    def url(self, service):
        return f"http://127.0.0.1:{self.ports[service]}"

    def start(self, service, extra=None):
        env = dict(self.env)
        if service != "gateway":
            env["DATABASE_URL"] = f"postgres://{service}:{service}@{PG['host']}:{PG['port']}/{PG['db']}"
        env.update(extra or {})
        started = time.monotonic()
        self.procs[service] = subprocess.Popen([str(self.binary), "serve", service], env=env,
                                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        wait_healthy(f"{self.url(service)}/healthz")
        self.cold_ms[service] = round((time.monotonic() - started) * 1000)

    def stop(self, service):
        proc = self.procs.pop(service)
        proc.send_signal(signal.SIGTERM)
        proc.wait(timeout=15)

    def stop_all(self):
        for s in list(self.procs):
            self.stop(s)


def wrk(script, url, connections, env, seconds=None, measuring=None):
    """One measured run, after an unmeasured warm-up that fills pools and caches.
    `measuring` is called right before the measured part starts."""
    cmd = lambda d: ["wrk", "-t2", f"-c{connections}", f"-d{d}s", "--timeout", "10s", "-s", str(ROOT / "bench" / script), url]
    run_env = {**os.environ, **env, "LUA_PATH": f"{ROOT}/bench/?.lua;;"}
    subprocess.run(cmd(WARMUP), env=run_env, capture_output=True, check=True)
    if measuring:
        measuring()
    out = subprocess.run(cmd(seconds or DURATION), env=run_env, capture_output=True, text=True, check=True).stdout
    line = next(l for l in out.splitlines() if l.startswith("WRK_JSON "))
    r = json.loads(line[len("WRK_JSON "):])
    seconds = r["duration_us"] / 1e6
    return {"throughput_rps": round(r["requests"] / seconds, 1), "p50_ms": round(r["p50_us"] / 1000, 2),
            "p99_ms": round(r["p99_us"] / 1000, 2), "requests": r["requests"],
            "errors": r["errors"] + r["non_2xx"], "connections": connections}


def median_run(runs):
    """The run with the median p50, with the total requests and errors of all runs."""
    chosen = dict(sorted(runs, key=lambda r: r["p50_ms"])[len(runs) // 2])
    chosen["requests"] = sum(r["requests"] for r in runs)
    chosen["errors"] = sum(r["errors"] for r in runs)
    chosen["rounds"] = len(runs)
    return chosen


def cpu_seconds(pids):
    """User + system CPU seconds the processes have used so far (/proc/<pid>/stat)."""
    tick = os.sysconf("SC_CLK_TCK")
    total = 0
    for pid in pids:
        # The command name may hold spaces; the fields after its closing parenthesis do not.
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        total += int(fields[11]) + int(fields[12])
    return total / tick


def baseline_binary():
    """The release binary of BASELINE_REV, built once into target/bench-baseline."""
    base = ROOT / "target/bench-baseline"
    binary = base / "target/release/stockroom"
    stamp = base / "rev"
    if binary.exists() and stamp.exists() and stamp.read_text() == BASELINE_REV:
        return binary
    src = base / "src"
    shutil.rmtree(src, ignore_errors=True)
    src.mkdir(parents=True)
    archive = subprocess.run(["git", "-C", str(ROOT), "archive", BASELINE_REV], capture_output=True, check=True).stdout
    subprocess.run(["tar", "-x", "-C", str(src)], input=archive, check=True)
    print(f"building the baseline {BASELINE_REV} (release) for the CPU comparison…", flush=True)
    subprocess.run(["cargo", "build", "--release", "-q", "-p", "stockroom"], cwd=src, check=True,
                   env={**os.environ, "CARGO_TARGET_DIR": str(base / "target")})
    stamp.write_text(BASELINE_REV)
    return binary


def cpu_per_order(binary):
    """Service CPU seconds per 1,000 orders through the gateway, on a fresh database."""
    subprocess.run([str(ROOT / "scripts/pg-test-db.sh")], env={**os.environ, "TEST_DB": PG["db"]},
                   check=True, capture_output=True)
    system = System(binary)
    try:
        for s in SERVICES:
            system.start(s)
        token, products_file = seed(system)
        pids = [p.pid for p in system.procs.values()]
        before = {}
        run = wrk("order.lua", system.url("gateway"), CONCURRENCY, {"TOKEN": token, "PRODUCTS_FILE": products_file},
                  measuring=lambda: before.update(cpu=cpu_seconds(pids)))
        used = cpu_seconds(pids) - before["cpu"]
    finally:
        system.stop_all()
    return {"cpu_s_per_1000_orders": round(used / run["requests"] * 1000, 3), "orders": run["requests"],
            "errors": run["errors"], "throughput_rps": run["throughput_rps"]}


def compare_cpu():
    """The baseline and this binary, alternating, CPU_ROUNDS each; medians compared."""
    binaries = {"baseline": baseline_binary(), "current": BIN}
    runs = {k: [] for k in binaries}
    for _ in range(CPU_ROUNDS):
        for name, binary in binaries.items():
            print(f"CPU per order: {name}…", flush=True)
            runs[name].append(cpu_per_order(binary))
    median = {k: round(statistics.median(r["cpu_s_per_1000_orders"] for r in v), 3) for k, v in runs.items()}
    return {"baseline_rev": BASELINE_REV, "rounds": runs, "baseline_cpu_s_per_1000_orders": median["baseline"],
            "current_cpu_s_per_1000_orders": median["current"],
            "current_vs_baseline": round(median["current"] / median["baseline"], 3)}


def psql(*args, db=PG["db"]):
    return subprocess.run(["psql", "-h", PG["host"], "-p", PG["port"], "-U", PG["admin"], "-d", db, "-v", "ON_ERROR_STOP=1",
                           "-qAt", *args], capture_output=True, text=True, check=True).stdout


def db_floor():
    """pgbench with the writes one order makes, at the same concurrency, on the same database."""
    psql("-c", "DROP TABLE IF EXISTS bench_ids; CREATE TABLE bench_ids AS "
               "SELECT (row_number() OVER (ORDER BY id)) - 1 AS n, id FROM inventory.products; "
               "ALTER TABLE bench_ids ADD PRIMARY KEY (n)")
    logs = tempfile.mkdtemp()
    out = subprocess.run(
        ["pgbench", "-n", "-h", PG["host"], "-p", PG["port"], "-U", PG["admin"], "-c", str(CONCURRENCY), "-j", "2",
         "-T", str(DURATION), "-D", f"products={PRODUCTS}", "-f", str(ROOT / "bench/order_floor.sql"),
         "-l", "--log-prefix", f"{logs}/pgbench", PG["db"]],
        capture_output=True, text=True, check=True).stdout
    tps = float(re.search(r"tps = ([\d.]+) \(without initial connection time\)", out).group(1))
    latencies = []
    for f in Path(logs).iterdir():
        for line in f.read_text().splitlines():
            latencies.append(int(line.split()[2]) / 1000)
    shutil.rmtree(logs, ignore_errors=True)
    latencies.sort()
    pick = lambda q: round(latencies[min(len(latencies) - 1, int(q * len(latencies)))], 2)
    return {"throughput_rps": round(tps, 1), "p50_ms": pick(0.5), "p99_ms": pick(0.99), "connections": CONCURRENCY,
            "errors": 0, "requests": len(latencies)}


def seed(system):
    gw = system.url("gateway")
    http("POST", f"{gw}/api/auth/register", {"email": "bench@example.com", "password": "correct horse battery", "name": "Bench"})
    token = http("POST", f"{gw}/api/auth/login", {"email": "bench@example.com", "password": "correct horse battery"})["access_token"]
    rows = ["sku,name,category,price_cents,initial_stock,reorder_point,reorder_quantity"]
    rows += [f"B-{i:05},Bench product {i},cat-{i % 12},{100 + i},100000000,10,50" for i in range(PRODUCTS)]
    http("POST", f"{gw}/api/products/import", "\n".join(rows).encode(), token, "text/csv")
    ids, cursor = [], ""
    while True:
        page = http("GET", f"{gw}/api/products?limit=100&cursor={cursor}", token=token)
        ids += [p["id"] for p in page["items"]]
        if not page["next_cursor"]:
            break
        cursor = page["next_cursor"]
    products_file = RESULTS / "products.tmp"
    products_file.write_text("\n".join(ids) + "\n")
    return token, str(products_file)


def fake_ai(mode):
    port = free_port()
    proc = subprocess.Popen([sys.executable, str(ROOT / "bench/fake_ai.py"), str(port), mode])
    wait_for_port(port)
    return proc, f"http://127.0.0.1:{port}"


def wait_for_port(port):
    for _ in range(400):
        with socket.socket() as s:
            if s.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.005)
    raise SystemExit(f"nothing listens on {port}")


def main():
    need("wrk", "apt-get install -y wrk")
    need("pgbench", "apt-get install -y postgresql-contrib (pgbench comes with PostgreSQL)")
    if not BIN.exists():
        sys.exit(f"build the release binary first: cargo build --release -p stockroom ({BIN} is missing)")
    RESULTS.mkdir(parents=True, exist_ok=True)
    subprocess.run([str(ROOT / "scripts/pg-test-db.sh")], env={**os.environ, "TEST_DB": PG["db"]},
                   check=True, capture_output=True)
    results = {"machine": {"cpus": os.cpu_count(), "kernel": os.uname().release},
               "settings": {"seconds": DURATION, "concurrency": CONCURRENCY, "products": PRODUCTS},
               "cold_start_all_sqlite_ms": cold_start_all_sqlite()}
    system = System()
    try:
        for s in SERVICES:
            system.start(s)
        time.sleep(1)  # let the processes settle before reading idle memory
        results["rss_idle_mb"] = {s: rss_mb(p.pid) for s, p in system.procs.items()}
        results["cold_start_ms"] = dict(system.cold_ms)
        token, products_file = seed(system)
        gw = system.url("gateway")
        env = {"TOKEN": token, "PRODUCTS_FILE": products_file}
        load = {}
        print("orders through the gateway…", flush=True)
        load["order_create_gateway"] = wrk("order.lua", gw, CONCURRENCY, env)
        print("product listing through the gateway…", flush=True)
        load["product_list_gateway"] = wrk("get.lua", gw, CONCURRENCY, {**env, "PATH_TEMPLATE": "/api/products?limit=20"})
        print("login…", flush=True)
        load["login_gateway"] = wrk("login.lua", gw, CONCURRENCY, {"EMAIL": "bench@example.com"})
        print("gateway overhead at 64 connections…", flush=True)
        one = {**env, "PATH_TEMPLATE": "/api/products/{id}"}
        load["product_get_direct_64"] = wrk("get.lua", system.url("inventory"), 64, one)
        load["product_get_gateway_64"] = wrk("get.lua", gw, 64, one)
        results["rss_after_load_mb"] = {s: rss_mb(p.pid) for s, p in system.procs.items()}

        print("order creation with the AI provider fast, hanging and absent…", flush=True)
        # Interleaved rounds: the tables grow during the run and latency drifts with them,
        # so each mode is measured early and late and the medians are compared.
        runs = {m: [] for m in ["fast", "hang", "absent"]}
        for _ in range(AI_ROUNDS):
            for mode in runs:
                system.stop("orders")
                extra, provider = {}, None
                if mode != "absent":
                    provider, url = fake_ai(mode)
                    extra = {"OPENROUTER_API_KEY": "bench", "AI_BASE_URL": url, "AI_TIMEOUT_MS": "10000"}
                system.start("orders", extra)
                runs[mode].append(wrk("order.lua", gw, CONCURRENCY, env, seconds=AI_SECONDS))
                if provider:
                    provider.terminate()
        ai = {m: median_run(r) for m, r in runs.items()}
        results["ai_rounds_p50_ms"] = {m: [x["p50_ms"] for x in r] for m, r in runs.items()}
        load.update({f"order_create_ai_{m}": r for m, r in ai.items()})

        print("database floor (pgbench)…", flush=True)
        load["order_db_floor_pgbench"] = db_floor()
        results["load"] = load
    finally:
        system.stop_all()
    results["cpu_per_order"] = compare_cpu()

    orders = load["order_create_gateway"]["throughput_rps"]
    floor = load["order_db_floor_pgbench"]["throughput_rps"]
    direct, via = load["product_get_direct_64"], load["product_get_gateway_64"]
    p50s = [ai[m]["p50_ms"] for m in ai]
    p99s = [ai[m]["p99_ms"] for m in ai]
    results["derived"] = {
        "order_throughput_vs_db_floor": round(orders / floor, 3),
        "gateway_overhead_p50_ms": round(via["p50_ms"] - direct["p50_ms"], 2),
        "gateway_overhead_p99_ms": round(via["p99_ms"] - direct["p99_ms"], 2),
        "ai_order_p50_spread": round((max(p50s) - min(p50s)) / min(p50s), 3),
        "ai_order_p99_spread": round((max(p99s) - min(p99s)) / min(p99s), 3),
        # The same mode measured in different rounds: how much the machine itself moves.
        "ai_order_p50_noise": round(max((max(v) - min(v)) / min(v) for v in results["ai_rounds_p50_ms"].values()), 3),
    }
    results["generated_at"] = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
    (RESULTS / "latest.json").write_text(json.dumps(results, indent=2) + "\n")
    table = markdown(results)
    (RESULTS / "latest.md").write_text(table)
    update_readme(table)
    print(table)


def markdown(r):
    rows = ["| scenario | conns | throughput (req/s) | p50 (ms) | p99 (ms) | errors |", "|---|---:|---:|---:|---:|---:|"]
    names = {
        "order_create_gateway": "order creation, through the gateway",
        "product_list_gateway": "product listing, through the gateway",
        "login_gateway": "login (argon2id), through the gateway",
        "product_get_direct_64": "one product, inventory directly",
        "product_get_gateway_64": "one product, through the gateway",
        "order_create_ai_fast": "order creation, AI provider fast",
        "order_create_ai_hang": "order creation, AI provider hanging",
        "order_create_ai_absent": "order creation, no AI key",
        "order_db_floor_pgbench": "database floor: one order's SQL writes (pgbench)",
    }
    for key, name in names.items():
        x = r["load"][key]
        rows.append(f"| {name} | {x['connections']} | {x['throughput_rps']} | {x['p50_ms']} | {x['p99_ms']} | {x['errors']} |")
    d = r["derived"]
    rss = ", ".join(f"{s} {v} MB" for s, v in r["rss_idle_mb"].items())
    rss_after = ", ".join(f"{s} {v} MB" for s, v in r["rss_after_load_mb"].items())
    cold = ", ".join(f"{s} {v} ms" for s, v in r["cold_start_ms"].items())
    return "\n".join(rows) + f"""

- Order throughput / database floor: **{d['order_throughput_vs_db_floor']}**
- Gateway overhead over a direct call (64 connections): p50 +{d['gateway_overhead_p50_ms']} ms, p99 +{d['gateway_overhead_p99_ms']} ms
- Order latency spread across AI fast / hanging / absent (median of {r['load']['order_create_ai_fast']['rounds']} interleaved rounds each): p50 {d['ai_order_p50_spread'] * 100:.1f} %, p99 {d['ai_order_p99_spread'] * 100:.1f} %; the same mode varies by up to {d['ai_order_p50_noise'] * 100:.1f} % between rounds (p50 per round, ms: {', '.join(f"{m} {v}" for m, v in r['ai_rounds_p50_ms'].items())})
- Service CPU per 1,000 orders (all four processes, from /proc): {r['cpu_per_order']['current_cpu_s_per_1000_orders']} s, against {r['cpu_per_order']['baseline_cpu_s_per_1000_orders']} s for {r['cpu_per_order']['baseline_rev']} (the last build on the `Any` driver) measured alternately in the same run: ratio **{r['cpu_per_order']['current_vs_baseline']}**
- Resident memory at idle: {rss}; after the load: {rss_after}
- Cold start to healthy on PostgreSQL: {cold}; `stockroom all` on SQLite: {r['cold_start_all_sqlite_ms']} ms
- {r['settings']['seconds']} s per scenario, {r['settings']['products']} products, {r['machine']['cpus']} CPUs, everything on one machine ({r['generated_at']})
"""


def update_readme(table):
    readme = ROOT / "README.md"
    text = readme.read_text()
    start, end = "<!-- bench:start -->", "<!-- bench:end -->"
    if start in text and end in text:
        head, rest = text.split(start, 1)
        _, tail = rest.split(end, 1)
        readme.write_text(f"{head}{start}\n{table}{end}{tail}")


if __name__ == "__main__":
    main()
