"""Time the whole suite, experiment by experiment: `hw1 all` with your options, then a table of wall times.

    python benchmarks/bench_suite.py --quick --dataset digits                 # CPU, offline, about a minute
    python benchmarks/bench_suite.py --data-dir ../shared/data --no-download  # the defaults on real MNIST
    python benchmarks/bench_suite.py --preset seed-scale --device cuda --data-dir ../shared/data

Every option is passed to `hw1 all` unchanged; the output root defaults to a temporary folder.
"""

from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path

from hw1cli.cli import app
from hw1cli.commands.suite_checks import sets_output_dir
from hw1cli.report import duration_seconds, find_runs


def main(argv: list[str]) -> int:
    given = [w for w in argv if sets_output_dir(w)]  # the same forms `hw1 all` reads (-oDIR, --output-dir=DIR...)
    if given and given[0] not in ("-o", "--output-dir"):
        sys.exit("bench_suite.py: give the output folder as -o DIR (or leave it out for a temporary one)")
    root = Path(tempfile.mkdtemp(prefix="hw1-suite-")) if not given else None
    args = ["all", "--quiet", *argv, *(["-o", str(root)] if root else [])]
    started = time.perf_counter()
    code = app(args, standalone_mode=False)
    total = time.perf_counter() - started
    folder = root or Path(argv[(argv.index("-o") if "-o" in argv else argv.index("--output-dir")) + 1])
    print(f"{'experiment':<12} {'status':<11} {'seconds':>9}  device")
    for name, _, run in find_runs(folder):
        seconds = duration_seconds(run)
        print(f"{name:<12} {run.get('status', '?'):<11} {seconds if seconds is not None else float('nan'):>9.1f}  {run.get('device')}")
    print(f"{'total':<12} {'exit ' + str(code):<11} {total:>9.1f}  (outputs in {folder})")
    return int(code or 0)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
