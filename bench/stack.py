"""The system under test: the four services as separate processes on PostgreSQL, HTTP helpers,
and what /proc says about them (CPU seconds, resident memory)."""
import json
import os
import secrets
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

from settings import BIN, PG, PRODUCTS, RESULTS, ROOT, SERVICES


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


def wait_ready(url, timeout=30.0):
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
    raise SystemExit(f"{url} did not answer 200 within {timeout:.0f} s")


def wait_for_port(port):
    for _ in range(400):
        with socket.socket() as s:
            if s.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.005)
    raise SystemExit(f"nothing listens on {port}")


def rss_mb(pid):
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return round(int(line.split()[1]) / 1024, 1)
    return None


def cpu_seconds(pid):
    """User + system CPU seconds the process has used so far (/proc/<pid>/stat)."""
    # The command name may hold spaces; the fields after its closing parenthesis do not.
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def pg_cpu(db=PG["db"]):
    """CPU seconds used so far by the PostgreSQL backends connected to `db`, per role: the
    process titles read `postgres: <version>/<cluster>: <role> <db> <address> <state>`.
    Backends that exited are not counted, so read it around windows where the pools stay."""
    used = {}
    for proc in Path("/proc").iterdir():
        if not proc.name.isdigit():
            continue
        try:
            title = (proc / "cmdline").read_bytes().decode(errors="replace").split()
            if len(title) > 3 and title[0] == "postgres:" and title[3] == db:
                used[title[2]] = used.get(title[2], 0) + cpu_seconds(proc.name)
        except OSError:
            continue
    return used


def fresh_database():
    subprocess.run([str(ROOT / "scripts/pg-test-db.sh")], env={**os.environ, "TEST_DB": PG["db"]},
                   check=True, capture_output=True)


def cold_start_all_sqlite(binary=BIN):
    """`stockroom all` on SQLite, from exec to every service ready (/readyz 200); median of three."""
    times = []
    for _ in range(3):
        data = tempfile.mkdtemp()
        ports = {s: free_port() for s in SERVICES}
        env = {**os.environ, "STOCKROOM_DATA_DIR": data, "RUST_LOG": "warn",
               **{f"{s.upper()}_PORT": str(p) for s, p in ports.items()},
               **{f"{s.upper()}_URL": f"http://127.0.0.1:{ports[s]}" for s in ["auth", "inventory", "orders"]}}
        started = time.monotonic()
        proc = subprocess.Popen([str(binary), "all"], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            for s in SERVICES:
                wait_ready(f"http://127.0.0.1:{ports[s]}/readyz")
            times.append(time.monotonic() - started)
        finally:
            proc.send_signal(signal.SIGTERM)
            proc.wait(timeout=10)
            shutil.rmtree(data, ignore_errors=True)
    return round(statistics.median(times) * 1000)


class System:
    """The services (the four of SERVICES unless told) as separate processes on PostgreSQL,
    each as its own role."""

    def __init__(self, binary=BIN, services=SERVICES):
        self.binary = binary
        self.services = list(services)
        self.ports = {s: free_port() for s in self.services}
        self.procs = {}
        self.ready_ms = {}
        # Key caches and service tokens on disk: the run's own, not the checkout's ./data.
        self.data = tempfile.mkdtemp(prefix="stockroom-bench-")
        self.env = {**os.environ, "STOCKROOM_DATA_DIR": self.data,
                    "BIND_ADDR": "127.0.0.1", "RUST_LOG": "info", "LOG_FORMAT": "json",
                    "SERVICE_CLIENT_SECRET": secrets.token_hex(32),
                    "ADMIN_EMAIL": "bench@example.com",
                    "RATE_LIMIT_PER_SECOND": "1000000", "RATE_LIMIT_BURST": "1000000",
                    # One account signs in from one address thousands of times a second: measured
                    # here is argon2 through the stack, not the limiter refusing it.
                    "LOGIN_MAX_FAILURES": "1000000000",
                    **{f"{s.upper()}_PORT": str(p) for s, p in self.ports.items()},
                    **{f"{s.upper()}_URL": self.url(s) for s in ["auth", "inventory", "orders", "events"]
                       if s in self.ports}}
        self.env.pop("OPENROUTER_API_KEY", None)

    def url(self, service):
        return f"http://127.0.0.1:{self.ports[service]}"

    def start(self, service, extra=None):
        """Starts one service; its time from exec to /readyz 200 is kept in `ready_ms`."""
        env = dict(self.env)
        if service != "gateway":
            env["DATABASE_URL"] = f"postgres://{service}:{service}@{PG['host']}:{PG['port']}/{PG['db']}"
        env.update(extra or {})
        started = time.monotonic()
        self.procs[service] = subprocess.Popen([str(self.binary), "serve", service], env=env,
                                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        wait_ready(f"{self.url(service)}/readyz")
        self.ready_ms[service] = round((time.monotonic() - started) * 1000)

    def start_all(self, extra=None):
        """Every service; `extra` maps a service to environment of its own."""
        for s in self.services:
            self.start(s, (extra or {}).get(s))

    def stop(self, service):
        proc = self.procs.pop(service)
        proc.send_signal(signal.SIGTERM)
        proc.wait(timeout=15)

    def stop_all(self):
        for s in list(self.procs):
            self.stop(s)
        shutil.rmtree(self.data, ignore_errors=True)

    def cpu(self):
        """CPU seconds used so far, per service."""
        return {s: cpu_seconds(p.pid) for s, p in self.procs.items()}

    def rss(self):
        return {s: rss_mb(p.pid) for s, p in self.procs.items()}

    def seed(self):
        """The bench account and a PRODUCTS-product catalogue with stock no run can exhaust.
        Returns the token and the product ids in catalogue order."""
        gw = self.url("gateway")
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
        return token, ids


def product_files(ids):
    """The id files the wrk scripts pick products from: every product (spread) and one (hot)."""
    files = {"spread": RESULTS / "products-spread.tmp", "hot": RESULTS / "products-hot.tmp"}
    files["spread"].write_text("\n".join(ids) + "\n")
    files["hot"].write_text(ids[0] + "\n")
    return {k: str(v) for k, v in files.items()}


def receiver():
    """The webhook receiver (receiver.py); returns the process and its URL."""
    port = free_port()
    proc = subprocess.Popen([sys.executable, str(ROOT / "bench/receiver.py"), str(port)])
    wait_for_port(port)
    return proc, f"http://127.0.0.1:{port}"


def fake_ai(mode):
    """The stand-in AI provider (fake_ai.py) in `mode`; returns the process and its URL."""
    port = free_port()
    proc = subprocess.Popen([sys.executable, str(ROOT / "bench/fake_ai.py"), str(port), mode])
    wait_for_port(port)
    return proc, f"http://127.0.0.1:{port}"
