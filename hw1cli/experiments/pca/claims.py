"""Claims of `hw1 pca`: what the homework asks the student to see in the trajectories (HW1-2).

Runs from different initialisations train to similar accuracy along separate paths: they do not meet.
Both are checked on coordinates.csv (each run's snapshots in the whole-model PCA, with their accuracy).
"""

from __future__ import annotations

import itertools
import math
from pathlib import Path

from hw1cli.claims.source import finite, read_rows
from hw1cli.claims.stats import mean_text
from hw1cli.claims.verdicts import INCONCLUSIVE, NOT_SUPPORTED, SUPPORTED, Claim, ClaimResult, compare

ACCURACY_RISES = Claim("pca", "accuracy_rises",
                       "Test accuracy rises along the trajectories (last snapshot against the first, over the runs).")
RUNS_APART = Claim("pca", "runs_stay_apart",
                   "Runs from different initialisations end apart: the two closest final points (whole-model PCA) are "
                   "farther apart than any run moved from its start.")
CLAIMS = (ACCURACY_RISES, RUNS_APART)

Snapshot = tuple[float, float, float, float | None]  # epoch, pc1, pc2, test accuracy


def evaluate(folder: Path) -> list[ClaimResult]:
    rows = read_rows(folder, "coordinates.csv", ("view", "run", "epoch", "pc1", "pc2", "test_acc"))
    paths: dict[int, list[Snapshot]] = {}
    for r in rows:
        if r["view"] == "whole" and (x := finite(r, "pc1")) is not None and (y := finite(r, "pc2")) is not None:
            paths.setdefault(int(r["run"]), []).append((float(r["epoch"]), x, y, finite(r, "test_acc")))
    paths = {k: sorted(v) for k, v in paths.items() if len(v) > 1}
    return [_accuracy_rises(paths), _runs_apart(paths)]


def _accuracy_rises(paths: dict[int, list[Snapshot]]) -> ClaimResult:
    first = {k: p[0][3] for k, p in paths.items() if p[0][3] is not None and p[-1][3] is not None}
    last = {k: paths[k][-1][3] for k in first}
    result = compare(last, first, claimed_higher=True)  # the runs play the part of seeds
    evidence = (f"test acc first {mean_text(list(first.values()))} → last {mean_text(list(last.values()))}; "
                f"{result.text(of='run')}")
    return ACCURACY_RISES.judge(result.verdict, evidence, result.seeds)


def _runs_apart(paths: dict[int, list[Snapshot]]) -> ClaimResult:
    if len(paths) < 2:
        return RUNS_APART.judge(INCONCLUSIVE, f"needs 2 runs or more; this run has {len(paths)}", len(paths))
    finals = [p[-1][1:3] for p in paths.values()]
    closest = min(math.dist(a, b) for a, b in itertools.combinations(finals, 2))
    moved = max(math.dist(p[0][1:3], p[-1][1:3]) for p in paths.values())
    verdict = SUPPORTED if closest > moved else NOT_SUPPORTED
    evidence = f"closest final points {closest:.3g} apart; the farthest any run moved from its start {moved:.3g} (PC units)"
    return RUNS_APART.judge(verdict, evidence, len(paths))
