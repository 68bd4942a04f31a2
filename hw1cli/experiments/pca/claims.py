"""Claims of `hw1 pca`: what the homework asks the student to see in the trajectories (HW1-2).

Runs from different initialisations train to similar accuracy along separate paths: they do not meet.
Accuracy is read from coordinates.csv (each run's snapshots with their accuracy). Whether the runs stay
apart is judged in the full parameter space from distances.csv: the 2-D PCA plane keeps only part of each
distance (a median 57%, as little as 14%, in the audited suite) and read alone it said ✘ where the full
space says ✔. Folders from before distances.csv fall back to the plane, with a note.
"""

from __future__ import annotations

import itertools
import math
import statistics
from pathlib import Path

from hw1cli.claims.source import finite, read_rows
from hw1cli.claims.stats import mean_text
from hw1cli.claims.verdicts import INCONCLUSIVE, NOT_SUPPORTED, SUPPORTED, Claim, ClaimResult, compare

ACCURACY_RISES = Claim("pca", "accuracy_rises",
                       "Test accuracy rises along the trajectories (last snapshot against the first, over the runs).")
RUNS_APART = Claim("pca", "runs_stay_apart",
                   "Runs from different initialisations end apart: in parameter space the two closest final points are "
                   "farther apart than any run moved from its start.")
DISTANCES = "distances.csv"  # kind (start, end, travel, farthest), run, other, distance, plane_distance
CLAIMS = (ACCURACY_RISES, RUNS_APART)

Snapshot = tuple[float, float, float, float | None]  # epoch, pc1, pc2, test accuracy


def evaluate(folder: Path) -> list[ClaimResult]:
    rows = read_rows(folder, "coordinates.csv", ("view", "run", "epoch", "pc1", "pc2", "test_acc"))
    paths: dict[int, list[Snapshot]] = {}
    for r in rows:
        if r["view"] == "whole" and (x := finite(r, "pc1")) is not None and (y := finite(r, "pc2")) is not None:
            paths.setdefault(int(r["run"]), []).append((float(r["epoch"]), x, y, finite(r, "test_acc")))
    paths = {k: sorted(v) for k, v in paths.items() if len(v) > 1}
    apart = _runs_apart_in_space(folder) if (folder / DISTANCES).is_file() else _runs_apart(paths)
    return [_accuracy_rises(paths), apart]


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
    evidence = (f"closest final points {closest:.3g} apart; the farthest any run moved from its start {moved:.3g} "
                f"(PC units: no {DISTANCES} in this folder, so judged in the 2-D plane, which keeps only part of "
                "each distance)")
    return RUNS_APART.judge(verdict, evidence, len(paths))


def _runs_apart_in_space(folder: Path) -> ClaimResult:
    """Closest pair of final points against the farthest any run got from its start, in parameter space."""
    rows = read_rows(folder, DISTANCES, ("kind", "run", "other", "distance", "plane_distance"))
    by_kind: dict[str, list[tuple[float, float | None]]] = {}
    for r in rows:
        if (d := finite(r, "distance")) is not None:
            by_kind.setdefault(r["kind"], []).append((d, finite(r, "plane_distance")))
    ends, starts = by_kind.get("end", []), by_kind.get("start", [])
    moves = by_kind.get("farthest") or by_kind.get("travel", [])  # farthest over snapshots; else end vs start
    runs = len(moves)
    if not ends or not moves:
        return RUNS_APART.judge(INCONCLUSIVE, f"{DISTANCES} holds no pair of final points or no run's move "
                                "(needs 2 runs or more)", runs)
    closest, moved = min(d for d, _ in ends), max(d for d, _ in moves)
    verdict = SUPPORTED if closest > moved else NOT_SUPPORTED
    move = "moved from its start (farthest over its snapshots)" if by_kind.get("farthest") else "ended from its start"
    evidence = f"in parameter space: closest final pair {closest:.3g} apart; the farthest any run {move} {moved:.3g}"
    if starts:
        evidence += (f"; pairs {min(d for d, _ in starts):.3g}–{max(d for d, _ in starts):.3g} apart at the start, "
                     f"{closest:.3g}–{max(d for d, _ in ends):.3g} at the end")
    kept = sorted(p / d for d, p in ends if p is not None and d > 0)
    if kept:
        evidence += (f"; the PCA plane keeps a median {statistics.median(kept):.0%} (as little as {kept[0]:.0%}) "
                     "of the final pairs' distances")
    return RUNS_APART.judge(verdict, evidence, runs)
