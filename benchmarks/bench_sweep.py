"""Benchmark `hw1 sweep`: 8 points (2 lr × 2 batch sizes × 2 seeds, mnist on digits) on the local pool with 1
and 2 workers and on Ray with 2 CPUs, each a fresh `python -m hw1cli sweep` as a user runs it; Ray twice: a
Ray the sweep starts (and stops) itself, and a Ray cluster already running (`--address`), whose start is a
cost of the cluster, not of the sweep. Then the overhead per point (wall x slots - the points' own seconds,
per point) and Ray's own: its start and stop, a worker's start (torch and hw1 imported, once per worker), and
the round trip of an empty call to a warm worker and of one returning a point's files (once per point).

    python benchmarks/bench_sweep.py [--repeats 20] [--runs 3]
"""

from __future__ import annotations

import argparse
import contextlib
import csv
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
# This checkout's hw1cli, here, in the sweeps it starts and in the workers of the Rays it starts itself
sys.path.insert(0, str(ROOT))
os.environ["PYTHONPATH"] = os.pathsep.join([str(ROOT), *filter(None, [os.environ.get("PYTHONPATH")])])
POINT = ["--dataset", "digits", "--quick", "--model", "shallow", "--epochs", "2", "--subset", "500", "--test-subset", "200"]
GRID = ["--grid", "lr=0.05,0.01", "--grid", "batch-size=16,32", "--seeds", "2"]
CONFIGS = {"local, 1 worker": ["--workers", "1"], "local, 2 workers": ["--workers", "2"],
           "ray started, 2 CPUs": ["--backend", "ray", "--workers", "2"], "ray running, 2 CPUs": ["--backend", "ray"]}
SLOTS = {"local, 1 worker": 1}  # parallel points of each configuration (2 unless listed)


@contextlib.contextmanager
def ray_cluster(cpus: int) -> Iterator[str]:
    """A Ray head with `cpus` CPUs for the block (its address), started by this script and stopped by it alone:
    `ray stop` would end every Ray on the machine."""
    import ray

    context = ray.init(num_cpus=cpus, include_dashboard=False, log_to_driver=False)
    try:
        yield context.address_info["gcs_address"]
    finally:
        ray.shutdown()


def timed_sweep(out: Path, backend: list[str]) -> tuple[float, float]:
    """(wall seconds of the whole command, sum of the points' own seconds from sweep.csv)."""
    env = dict(os.environ)
    started = time.perf_counter()
    subprocess.run([sys.executable, "-m", "hw1cli", "sweep", "mnist", *GRID, *backend, "-q", "-o", str(out), *POINT],
                   check=True, env=env)
    wall = time.perf_counter() - started
    with open(out / "sweep.csv", newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert len(rows) == 8 and all(r["status"] == "completed" for r in rows), rows
    return wall, sum(float(r["seconds"]) for r in rows)


def folder_bytes(folder: Path) -> int:
    return sum(p.stat().st_size for p in folder.rglob("*") if p.is_file())


def ray_overheads(point_bytes: int, repeats: int) -> dict[str, float]:
    """Ray's own costs, as `--backend ray` pays them (seconds): its start and stop, a worker's start (a PointWorker
    actor importing torch and hw1, once per worker), and the median round trip of an empty call to a warm
    worker and of one returning `point_bytes` (once per point)."""
    import ray

    from hw1cli.sweep.ray_actor import PointWorker

    started = time.perf_counter()
    ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False)
    start_seconds = time.perf_counter() - started

    @ray.remote(num_cpus=1)
    class Probe:
        def empty(self) -> None:
            return None

        def files(self, size: int) -> dict[str, bytes]:
            return {"metrics.csv": os.urandom(size)}

    started = time.perf_counter()
    worker = ray.remote(num_cpus=1)(PointWorker).remote(["hw1cli.experiments.mnist.run"])
    ray.get(worker.where.remote())
    worker_seconds = time.perf_counter() - started
    ray.kill(worker)
    probe = Probe.remote()
    ray.get([probe.empty.remote(), probe.files.remote(point_bytes)])  # warm, as a sweep's points find it
    trips: dict[str, list[float]] = {"empty": [], "files": []}
    for _ in range(repeats):
        for name, call in (("empty", lambda: probe.empty.remote()), ("files", lambda: probe.files.remote(point_bytes))):
            t = time.perf_counter()
            ray.get(call())
            trips[name].append(time.perf_counter() - t)
    started = time.perf_counter()
    ray.shutdown()
    stop_seconds = time.perf_counter() - started
    return {"start": start_seconds, "stop": stop_seconds, "worker": worker_seconds, "empty": statistics.median(trips["empty"]),
            "files": statistics.median(trips["files"])}


def pool_start_seconds() -> float:
    """How long the local pool takes to have 2 workers ready (its fork server imports torch and hw1 once, then
    forks both): what a Ray worker's start is set against."""
    from concurrent.futures import ProcessPoolExecutor

    from hw1cli.sweep.executor import pool_context

    started = time.perf_counter()
    with ProcessPoolExecutor(2, mp_context=pool_context()) as pool:
        [future.result() for future in [pool.submit(os.getpid) for _ in range(2)]]
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=20)
    parser.add_argument("--runs", type=int, default=1, help="sweeps per configuration, taken in turns; the median wall counts")
    args = parser.parse_args()
    print(f"cpus: {os.cpu_count()}, load average at start: {os.getloadavg()[0]:.1f}")
    runs: dict[str, list[tuple[float, float]]] = {name: [] for name in CONFIGS}
    with tempfile.TemporaryDirectory() as tmp:
        for run in range(args.runs):
            for name, backend in CONFIGS.items():
                folder = Path(tmp) / f"{name.replace(' ', '').replace(',', '_')}{run or ''}"
                if name.startswith("ray running"):
                    with ray_cluster(2) as address:
                        runs[name].append(timed_sweep(folder, [*backend, "--address", address]))
                else:
                    runs[name].append(timed_sweep(folder, backend))
                wall, work = runs[name][-1]
                overhead = (wall * SLOTS.get(name, 2) - work) / 8
                print(f"{name:20s} wall {wall:6.1f} s   points' own seconds {work:6.1f} s ({work / 8:.2f} s a point)"
                      f"   overhead {overhead:.2f} s a point", flush=True)
        point = Path(tmp) / "local_1worker" / "lr=0.05_batch-size=16_seed=0"
        size = folder_bytes(point)
    results = {name: sorted(walls)[len(walls) // 2] for name, walls in runs.items()}  # the median wall's run
    if args.runs > 1:
        print(f"medians of {args.runs} runs: " + ", ".join(f"{name} {wall:.1f} s" for name, (wall, _) in results.items()))
    base = results["local, 1 worker"][0]
    for name, (wall, _) in results.items():
        print(f"speed-up of {name} over local, 1 worker: {base / wall:.2f}x")
    local = results["local, 2 workers"][0]
    for name in ("ray started, 2 CPUs", "ray running, 2 CPUs"):
        print(f"{name} / local, 2 workers (speed, equal cores): {local / results[name][0]:.2f}  (goal >= 0.95)")
    over = ray_overheads(size, args.repeats)
    print(f"ray start (local, 2 CPUs): {over['start']:.2f} s; ray stop: {over['stop']:.2f} s (a sweep that starts its Ray pays both)")
    print(f"ray worker start (an idle Ray: actor up, torch and hw1 imported; once per worker): {over['worker']:.2f} s")
    print(f"local pool start (fork server up, torch and hw1 imported once, 2 workers forked): {pool_start_seconds():.2f} s")
    print(f"ray per-point dispatch (empty call to a warm worker, round trip, median of {args.repeats}): {over['empty'] * 1000:.1f} ms")
    print(f"ray per-point file transfer ({size / 1024:.0f} KiB of a point's files, round trip minus empty): "
          f"{(over['files'] - over['empty']) * 1000:.1f} ms")


if __name__ == "__main__":
    main()
