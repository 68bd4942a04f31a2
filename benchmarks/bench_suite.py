"""Time the whole suite, experiment by experiment: `hw1 all` with your options, then a table of wall times.

    python benchmarks/bench_suite.py --quick --dataset digits                 # CPU, offline, about a minute
    python benchmarks/bench_suite.py --data-dir ../shared/data --no-download  # the defaults on real MNIST
    python benchmarks/bench_suite.py --preset seed-scale --device cuda --data-dir ../shared/data
    python benchmarks/bench_suite.py --malloc both --rounds 2 --data-dir ../shared/data --no-download

Every option is passed to `hw1 all` unchanged, except this script's own two:
  --malloc tuned|system|both  hw1's malloc settings (hw1cli/allocator.py), glibc's own (HW1_MALLOC=system), or
                              both in one run, alternating, with the ratio of their totals (default: tuned)
  --rounds N                  run the suite N times per setting (default 1)
The output root defaults to a temporary folder per suite.
"""

from __future__ import annotations

import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

from hw1cli.allocator import ENV as MALLOC_ENV
from hw1cli.cli import app
from hw1cli.commands.suite_checks import sets_output_dir
from hw1cli.report import duration_seconds, find_runs

MALLOC_CHOICES = ("tuned", "system", "both")


def take_option(argv: list[str], name: str, default: str) -> tuple[str, list[str]]:
    """This script's own `--name VALUE` (or --name=VALUE), and the arguments left for `hw1 all`."""
    rest, value, i = [], default, 0
    while i < len(argv):
        if argv[i] == name and i + 1 < len(argv):
            value, i = argv[i + 1], i + 2
            continue
        if argv[i].startswith(name + "="):
            value = argv[i].split("=", 1)[1]
        else:
            rest.append(argv[i])
        i += 1
    return value, rest


def run_suite(argv: list[str], malloc: str) -> tuple[float, int]:
    """One `hw1 all` with `malloc` settings: prints its table; (wall seconds, exit code)."""
    given = [w for w in argv if sets_output_dir(w)]  # the same forms `hw1 all` reads (-oDIR, --output-dir=DIR...)
    if given and given[0] not in ("-o", "--output-dir"):
        sys.exit("bench_suite.py: give the output folder as -o DIR (or leave it out for a temporary one)")
    root = Path(tempfile.mkdtemp(prefix="hw1-suite-")) if not given else None
    args = ["all", "--quiet", *argv, *(["-o", str(root)] if root else [])]
    if given:  # a given folder is reused: each suite starts it afresh
        args.append("--force")
    previous = os.environ.get(MALLOC_ENV)
    os.environ[MALLOC_ENV] = malloc  # read by every run, and inherited by `hw1 all`'s worker processes
    try:
        started = time.perf_counter()
        code = app(args, standalone_mode=False)
        total = time.perf_counter() - started
    finally:
        if previous is None:
            os.environ.pop(MALLOC_ENV, None)
        else:
            os.environ[MALLOC_ENV] = previous
    folder = root or Path(argv[(argv.index("-o") if "-o" in argv else argv.index("--output-dir")) + 1])
    print(f"malloc {malloc}, load {os.getloadavg()[0]:.2f} after")
    print(f"{'experiment':<12} {'status':<11} {'seconds':>9}  device")
    for name, _, run in find_runs(folder):
        seconds = duration_seconds(run)
        print(f"{name:<12} {run.get('status', '?'):<11} {seconds if seconds is not None else float('nan'):>9.1f}  {run.get('device')}")
    print(f"{'total':<12} {'exit ' + str(code):<11} {total:>9.1f}  (outputs in {folder})", flush=True)
    return total, int(code or 0)


def main(argv: list[str]) -> int:
    malloc, argv = take_option(argv, "--malloc", "tuned")
    rounds, argv = take_option(argv, "--rounds", "1")
    if malloc not in MALLOC_CHOICES or not rounds.isdigit() or int(rounds) < 1:
        sys.exit(f"bench_suite.py: --malloc is one of {', '.join(MALLOC_CHOICES)} and --rounds a count >= 1")
    settings = ["system", "tuned"] if malloc == "both" else [malloc]
    totals: dict[str, list[float]] = {s: [] for s in settings}
    worst = 0
    for round_ in range(int(rounds)):
        for setting in settings if round_ % 2 == 0 else settings[::-1]:  # alternate the order: drift hits both
            total, code = run_suite(argv, setting)
            totals[setting].append(total)
            worst = max(worst, code)
    if malloc == "both":
        system, tuned = statistics.median(totals["system"]), statistics.median(totals["tuned"])
        print(f"median total: system {system:.1f} s, tuned {tuned:.1f} s; tuned / system = {tuned / system:.3f} "
              f"(runs: system {', '.join(f'{t:.1f}' for t in totals['system'])}; "
              f"tuned {', '.join(f'{t:.1f}' for t in totals['tuned'])})")
    return worst


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
