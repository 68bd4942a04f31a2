"""Compare every CSV of two output trees, timing columns aside: did a change leave the numbers alone?

    hw1 all --quick --dataset digits -o /tmp/before -q      # on the old commit
    hw1 all --quick --dataset digits -o /tmp/after -q       # on the new one
    python3 benchmarks/compare_runs.py /tmp/before /tmp/after

Exit 0 when every CSV in BEFORE has an equal twin in AFTER (rows parsed, timing columns dropped), 1 otherwise.
CSVs only in AFTER (a new file such as claims.csv) are listed but do not count as differences.
"""

from __future__ import annotations

import argparse
import csv
import sys
from pathlib import Path

from hw1cli.files import is_timing_column


def rows(path: Path) -> list[dict[str, str]]:
    with open(path, newline="") as handle:
        return [{k: v for k, v in row.items() if not is_timing_column(k)} for row in csv.DictReader(handle)]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("before", type=Path)
    parser.add_argument("after", type=Path)
    args = parser.parse_args()
    problems, compared = [], 0
    for path in sorted(args.before.rglob("*.csv")):
        twin = args.after / path.relative_to(args.before)
        compared += 1
        if not twin.exists():
            problems.append(f"missing in {args.after}: {path.relative_to(args.before)}")
        elif rows(path) != rows(twin):
            problems.append(f"differs: {path.relative_to(args.before)}")
    new = sorted(str(p.relative_to(args.after)) for p in args.after.rglob("*.csv")
                 if not (args.before / p.relative_to(args.after)).exists())
    for problem in problems:
        print(problem)
    print(f"{compared} CSV files compared, {len(problems)} differ or are missing; only in {args.after}: {new or 'none'}")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
