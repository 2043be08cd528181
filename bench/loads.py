"""The two load generators, each bounded in time: wrk through HTTP, pgbench for the floors."""
import itertools
import json
import os
import re
import shutil
import subprocess
import tempfile
from pathlib import Path

from settings import DURATION, PG, ROOT, WARMUP

_runs = itertools.count(1)


def wrk(script, url, connections, env, seconds=None, warmup=None, measuring=None):
    """One measured run, after an unmeasured warm-up that fills pools and caches.
    `measuring` is called right before the measured part starts."""
    cmd = lambda d: ["wrk", "-t2", f"-c{connections}", f"-d{d}s", "--timeout", "10s", "-s", str(ROOT / "bench" / script), url]
    run_env = {**os.environ, **env, "LUA_PATH": f"{ROOT}/bench/?.lua;;"}
    warmup = WARMUP if warmup is None else warmup
    if warmup:
        subprocess.run(cmd(warmup), env=run_env, capture_output=True, check=True)
    if measuring:
        measuring()
    out = subprocess.run(cmd(seconds or DURATION), env=run_env, capture_output=True, text=True, check=True).stdout
    line = next(l for l in out.splitlines() if l.startswith("WRK_JSON "))
    r = json.loads(line[len("WRK_JSON "):])
    elapsed = r["duration_us"] / 1e6
    return {"throughput_rps": round(r["requests"] / elapsed, 1), "p50_ms": round(r["p50_us"] / 1000, 2),
            "p99_ms": round(r["p99_us"] / 1000, 2), "requests": r["requests"],
            "errors": r["errors"] + r["non_2xx"], "connections": connections}


def pgbench(script, connections, products):
    """pgbench with `script` (prepared statements, as the services' sqlx uses) for DURATION
    seconds. `products` is how many products the script picks from (1: one hot product)."""
    logs = tempfile.mkdtemp()
    try:
        proc = subprocess.run(
            ["pgbench", "-n", "-M", "prepared", "-h", PG["host"], "-p", PG["port"], "-U", PG["admin"],
             "-c", str(connections), "-j", str(min(2, connections)), "-T", str(DURATION),
             # i: each client's order counter; run: keeps order ids unique across runs.
             "-D", f"products={products}", "-D", "i=0", "-D", f"run={next(_runs)}",
             "-f", str(ROOT / "bench" / script), "-l", "--log-prefix", f"{logs}/pgbench", PG["db"]],
            capture_output=True, text=True)
        found = re.search(r"tps = ([\d.]+) \(without initial connection time\)", proc.stdout)
        if not found:
            raise SystemExit(f"pgbench {script} failed:\n{proc.stdout}\n{proc.stderr}")
        failed = re.search(r"number of failed transactions: (\d+)", proc.stdout)
        latencies = sorted(int(line.split()[2]) / 1000 for f in Path(logs).iterdir()
                           for line in f.read_text().splitlines())
    finally:
        shutil.rmtree(logs, ignore_errors=True)
    pick = lambda q: round(latencies[min(len(latencies) - 1, int(q * len(latencies)))], 2)
    # A client pgbench aborted (an error it does not retry) ends its run early: counted as an error.
    aborted = 1 if proc.returncode != 0 else 0
    return {"throughput_rps": round(float(found.group(1)), 1), "p50_ms": pick(0.5), "p99_ms": pick(0.99),
            "connections": connections, "requests": len(latencies),
            "errors": (int(failed.group(1)) if failed else 0) + aborted}


def psql(*args):
    return subprocess.run(["psql", "-h", PG["host"], "-p", PG["port"], "-U", PG["admin"], "-d", PG["db"],
                           "-v", "ON_ERROR_STOP=1", "-qAt", *args], capture_output=True, text=True, check=True).stdout
