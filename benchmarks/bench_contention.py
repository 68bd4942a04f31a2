"""hw1 on a quiet and on a busy machine: one LeNet epoch and one `hw1 simulate`, at the default threads and at
1 and 2 threads, against the classic DataLoader loop, quiet and beside CPU-bound processes started here.

    python benchmarks/bench_contention.py --data-dir /work/shared/data
    python benchmarks/bench_contention.py --data-dir /work/shared/data --simulate-epochs 2000 --repeats 1  # short

Every measurement is a fresh process (as a user's run is), so the default thread count is chosen as `hw1`
chooses it: when the run starts, from the load it sees (runtime.default_threads). Only the epoch is timed
(after a warm-up; the median of --repeats); `hw1 simulate` by its training seconds per 1,000 epochs (the median
of --simulate-repeats runs, taken in turns). The competitors
(`--competitors`, default 1) spin in pure Python until this script stops them. The goal: under each load the
default within 1.2x of the best thread count measured under that same load.
"""

from __future__ import annotations

import argparse
import contextlib
import csv
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SPIN = "while True: pass"
SETTINGS = ("default", "1", "2")


@contextlib.contextmanager
def competitors(count: int) -> Iterator[None]:
    """`count` CPU-bound processes for the block; stopped (by their own ids) after it, whatever happens."""
    procs = [subprocess.Popen([sys.executable, "-c", SPIN]) for _ in range(count)]
    try:
        time.sleep(1.0 if procs else 0.0)  # let the scheduler see them before a run reads the load
        yield
    finally:
        for proc in procs:
            proc.terminate()
        for proc in procs:
            proc.wait()


def child_epoch(args: argparse.Namespace) -> None:
    """In a fresh process: one LeNet epoch (hw1's trainer, or the classic loop), printed as JSON."""
    import torch

    sys.path.insert(0, str(Path(__file__).resolve().parent))
    from bench_trainer import classic_epoch, hw1_epoch

    from hw1cli.runtime import default_threads, resolve_device

    threads = args.threads if args.threads else (default_threads() if args.way == "hw1" else torch.get_num_threads())
    torch.set_num_threads(threads)
    device = resolve_device("cpu")
    n = args.images
    seconds = []
    for _ in range(args.repeats):
        if args.way == "hw1":
            seconds.append(hw1_epoch(args.data_dir, n, device, 0)[0])
        else:
            seconds.append(classic_epoch(args.data_dir, n, device, 0)[0])
    print(json.dumps({"seconds": statistics.median(seconds), "threads": threads}))


def epoch(args: argparse.Namespace, way: str, setting: str) -> tuple[float, int]:
    command = [sys.executable, __file__, "--child", way, "--data-dir", str(args.data_dir), "--images", str(args.images),
               "--repeats", str(args.repeats), *([] if setting == "default" else ["--threads", setting])]
    done = subprocess.run(command, check=True, capture_output=True, text=True, env=_env())
    result = json.loads(done.stdout.strip().splitlines()[-1])
    return result["seconds"], result["threads"]


def simulate(args: argparse.Namespace, setting: str) -> tuple[float, int]:
    """Training seconds per 1,000 epochs of one `hw1 simulate` run (its models' train_seconds over their epochs).
    Per epoch, not per run: a model stops when its loss stops falling, and 1 and 2 threads add floats in
    different orders, so they stop at different epochs (measured: 125 s vs 146 s for one run of equal setting)."""
    with tempfile.TemporaryDirectory() as tmp:
        command = [sys.executable, "-m", "hw1cli", "simulate", "-q", "-o", tmp,
                   *([] if args.simulate_epochs is None else ["--epochs", str(args.simulate_epochs)]),
                   *([] if setting == "default" else ["--threads", setting])]
        subprocess.run(command, check=True, capture_output=True, env=_env())
        record = json.loads((Path(tmp) / "run.json").read_text())
        with (Path(tmp) / "summary.csv").open(newline="") as handle:
            rows = list(csv.DictReader(handle))
    seconds = sum(float(row["train_seconds"]) for row in rows)
    epochs = sum(int(row["epochs"]) for row in rows)
    return 1000 * seconds / max(1, epochs), int(record["threads"])


def _env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("HW1_THREADS", "OMP_NUM_THREADS")}
    return {**env, "PYTHONPATH": str(ROOT)}


def measure(args: argparse.Namespace, load: str) -> dict[str, tuple[float, int]]:
    times: dict[str, tuple[float, int]] = {}
    for setting in SETTINGS:
        times[f"lenet epoch, {setting}"] = epoch(args, "hw1", setting)
    times["lenet epoch, classic DataLoader"] = epoch(args, "classic", "default")
    if not args.no_simulate:
        # In turns (default, 1, 2, default, ...), the median of --simulate-repeats each: one run of a setting
        # differs from the next by up to 20% on this VM, more than the settings differ.
        runs: dict[str, list[tuple[float, int]]] = {setting: [] for setting in SETTINGS}
        for _ in range(args.simulate_repeats):
            for setting in SETTINGS:
                runs[setting].append(simulate(args, setting))
        for setting, measured in runs.items():
            times[f"hw1 simulate, {setting}"] = (statistics.median(t for t, _ in measured), measured[-1][1])
    for name, (seconds, threads) in times.items():
        unit = "s per 1000 epochs" if name.startswith("hw1 simulate") else "s"
        print(f"  {load:<11} {name:<34} {seconds:8.2f} {unit}  ({threads} thread{'s' if threads > 1 else ''})", flush=True)
    return times


def ratios(load: str, times: dict[str, tuple[float, int]]) -> None:
    for what in ("lenet epoch", "hw1 simulate"):
        mine = {s: times[f"{what}, {s}"][0] for s in SETTINGS if f"{what}, {s}" in times}
        if not mine:
            continue
        best = min(mine.values())
        verdict = "ok" if mine["default"] <= 1.2 * best else "MISSED"
        print(f"{load:<11} {what:<13} default / best = {mine['default'] / best:.2f}  (goal <= 1.2: {verdict})", end="")
        if what == "lenet epoch":
            print(f"   classic DataLoader / default = {times['lenet epoch, classic DataLoader'][0] / mine['default']:.2f}x", end="")
        print()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-dir", type=Path, default=Path("data"), help="torchvision root holding MNIST/raw")
    parser.add_argument("--images", type=int, default=8000, help="training images in the epoch (a tile of the set)")
    parser.add_argument("--repeats", type=int, default=3, help="epochs per measurement; the median is kept")
    parser.add_argument("--competitors", type=int, default=1, help="CPU-bound processes beside the contended runs")
    parser.add_argument("--simulate-epochs", type=int, default=None, help="shorter simulate runs (default: its own 20000)")
    parser.add_argument("--simulate-repeats", type=int, default=3, help="simulate runs per setting, in turns; the median is kept")
    parser.add_argument("--no-simulate", action="store_true", help="time the LeNet epoch only")
    parser.add_argument("--child", choices=("hw1", "classic"), help=argparse.SUPPRESS)
    parser.add_argument("--threads", type=int, default=None, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        args.way = args.child
        child_epoch(args)
        return
    print(f"cpus: {os.cpu_count()}, affinity: {len(os.sched_getaffinity(0))}, load average at start: "
          f"{' '.join(f'{v:.1f}' for v in os.getloadavg())}", flush=True)
    results = {}
    for load, count in (("quiet", 0), (f"{args.competitors} spinner{'s' if args.competitors > 1 else ''}", args.competitors)):
        with competitors(count):
            results[load] = measure(args, load)
        print(f"  (load average after: {os.getloadavg()[0]:.1f})", flush=True)
    for load, times in results.items():
        ratios(load, times)


if __name__ == "__main__":
    main()
