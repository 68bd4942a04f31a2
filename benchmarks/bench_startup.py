"""Start-up time of the invocations that train nothing, against a bare `import torch` measured in the same run.

Each invocation is a whole process (interpreter start included), timed `--repeats` times; the table gives the
median and its ratio to the bare torch import (the issue's goal: each <= 0.25x). A throw-away simulate run
provides the folder that `hw1 report` and `hw1 check` read.

    python3 benchmarks/bench_startup.py            # median of 5
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HW1 = [sys.executable, "-m", "hw1cli"]


def seconds(command: list[str], repeats: int) -> float:
    """Median wall time of `repeats` whole-process runs (one untimed warm-up fills the OS file cache)."""
    subprocess.run(command, capture_output=True)
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        subprocess.run(command, capture_output=True)
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp) / "root"
        made = subprocess.run([*HW1, "simulate", "--quick", "--epochs", "5", "--depth", "1", "-q", "-o",
                               str(root / "simulate")], capture_output=True, text=True)
        if made.returncode != 0:
            sys.exit(f"could not make a run folder to report on: {made.stderr.strip()}")
        cases = {
            "python -c 'import torch' (baseline)": [sys.executable, "-c", "import torch"],
            "hw1 --version": [*HW1, "--version"],
            "hw1 --help": [*HW1, "--help"],
            "hw1 mnist --help": [*HW1, "mnist", "--help"],
            "hw1 mnist --epochs 0 (usage error)": [*HW1, "mnist", "--epochs", "0"],
            "hw1 report -o OUT": [*HW1, "report", "-o", str(root)],
        }
        check = subprocess.run([*HW1, "check", "--help"], capture_output=True)
        if check.returncode == 0:  # `hw1 check` exists from the claims work on
            cases["hw1 check OUT"] = [*HW1, "check", str(root)]
        results = {name: seconds(command, args.repeats) for name, command in cases.items()}
    baseline = next(iter(results.values()))
    print(f"median of {args.repeats} whole-process runs, {sys.executable}")
    print(f"{'invocation':42} {'seconds':>8} {'× import torch':>15}")
    for name, value in results.items():
        print(f"{name:42} {value:8.3f} {value / baseline:15.2f}")


if __name__ == "__main__":
    main()
