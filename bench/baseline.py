"""Service CPU per order against an older build (BENCH_BASELINE_REV), alternating rounds on a
fresh database each. Optional: the older build is a release build of its own."""
import os
import shutil
import statistics
import subprocess

from loads import wrk
from settings import BASELINE_REV, BIN, CPU_ROUNDS, ORDER_CONNECTIONS, ROOT
from stack import System, fresh_database, product_files


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
    """All four services' CPU seconds per 1,000 orders through the gateway (spread), fresh database."""
    fresh_database()
    system = System(binary)
    try:
        system.start_all()
        token, ids = system.seed()
        before = {}
        connections = max(ORDER_CONNECTIONS)
        run = wrk("order.lua", system.url("gateway"), connections,
                  {"TOKEN": token, "PRODUCTS_FILE": product_files(ids)["spread"]},
                  measuring=lambda: before.update(system.cpu()))
        used = sum(system.cpu().values()) - sum(before.values())
    finally:
        system.stop_all()
    return {"cpu_s_per_1000_orders": round(used / max(run["requests"], 1) * 1000, 3), "orders": run["requests"],
            "errors": run["errors"], "throughput_rps": run["throughput_rps"], "connections": connections}


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
