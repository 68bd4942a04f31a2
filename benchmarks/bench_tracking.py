"""What --log-to costs per metrics row: on the run's own thread (putting the row on a queue) and in the
background (the tracker writing it), for TensorBoard and a local MLflow SQLite store.

    python3 benchmarks/bench_tracking.py [--rows 2000]
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

from hw1cli.tracking import TrackerSpec
from hw1cli.tracking.session import Tracking

COLUMNS = ("train_loss", "train_acc", "test_loss", "test_acc", "running_loss", "running_acc", "epoch_seconds", "lr")


def measure(spec: TrackerSpec, rows: int, folder: Path) -> tuple[float, float]:
    """(microseconds per row on the run's thread, milliseconds per row until the tracker has written them)."""
    tracking = Tracking([spec], command="bench", folder=folder, started_at="2026-01-01T00:00:00+00:00",
                        config={"lr": 0.01, "model": ["shallow", "deep"]}, store_root=folder)
    keys = ("model", "seed", "epoch")
    started = time.perf_counter()
    for step in range(rows):
        tracking.row(keys, {"model": "deep", "seed": 0, "epoch": step, **{c: 1.0 / (step + 1) for c in COLUMNS}})
    queued = time.perf_counter() - started
    tracking.close("completed", timeout=600)
    total = time.perf_counter() - started
    return 1e6 * queued / rows, 1e3 * total / rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=2000)
    rows = parser.parse_args().rows
    print(f"{rows} metrics rows of {len(COLUMNS)} numbers each")
    for kind in ("tensorboard", "mlflow"):
        with tempfile.TemporaryDirectory() as tmp:
            on_thread, written = measure(TrackerSpec(kind), rows, Path(tmp))
        print(f"{kind:12s} run thread {on_thread:7.1f} µs/row   tracker {written:7.3f} ms/row (background)")


if __name__ == "__main__":
    main()
