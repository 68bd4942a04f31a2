"""Claims of `hw1 interpolate`: along θ(α) the two trained models sit in low places of the loss (HW1-3).

summary.csv marks each trained endpoint with the train loss one grid step beyond it (away from the other end)
and `line_minimum` (1/0): a "wall beyond the endpoints" only says something about minima if the endpoints are
minima along the line, which #26 found A was not (the loss kept falling past it). With --from-init the line runs
from the initialisation (point "init") to trained A: Goodfellow et al. (2015) found the loss falls all the way.
"""

from __future__ import annotations

import itertools
from pathlib import Path

from hw1cli.claims.source import finite, read_rows
from hw1cli.claims.verdicts import INCONCLUSIVE, NOT_SUPPORTED, SUPPORTED, Claim, ClaimResult

# "Rises" means at least 10% above the endpoint, so a flat valley is not read as a barrier or a wall.
RISE = 1.10
# The claim is about trained minima: an endpoint that fits less of its training set than this may still be on
# its way down, so a missing rise is then inconclusive rather than a refutation.
FITTED = 0.95
# A step along the init -> A line counts as a rise only above float noise in the loss.
NOISE = 1e-6
RISES = Claim("interpolate", "loss_rises",
              "Along θ(α) the train loss rises between the endpoints (a barrier) or beyond both of them (α < 0, α > 1).")
MINIMA = Claim("interpolate", "endpoints_are_minima",
               "The trained models are minima along the line: one grid step beyond each, the train loss is not lower.")
FALLS = Claim("interpolate", "falls_from_init",
              "From the initialisation to the trained model the train loss falls at every step of θ(α) "
              "(Goodfellow et al. 2015).")
CLAIMS = (RISES, MINIMA, FALLS)

Curve = dict[float, float]


def evaluate(folder: Path) -> list[ClaimResult]:
    if not (folder / "summary.csv").exists():  # the run writes no line when an endpoint diverged
        diverged = [r["model"] for r in read_rows(folder, "models.csv", ("model", "status")) if r["status"] == "diverged"]
        if diverged:
            return [RISES.judge(INCONCLUSIVE, f"model {' and '.join(diverged)} diverged: no line to walk along", 1)]
    rows = read_rows(folder, "summary.csv", ("alpha", "train_loss", "train_acc"))
    curve = {a: v for r in rows if (a := finite(r, "alpha")) is not None and (v := finite(r, "train_loss")) is not None}
    minima = _minima(rows)
    if any(r.get("point") == "init" for r in rows):
        results = [_falls_from_init(curve)]
    else:
        results = [_rises(rows, curve, minima)]
    if minima is not None:
        results.append(_minima_claim(minima, rows))
    return results


def _minima(rows: list[dict[str, str]]) -> dict[str, tuple[bool, float, float, float]] | None:
    """Per trained endpoint: (is a minimum, its α outside, loss there, its own loss); None for a run from before
    summary.csv had these columns."""
    found = {}
    for r in rows:
        flag, beyond, loss, own = (r.get("line_minimum") or "").strip(), finite(r, "outside_alpha"), \
            finite(r, "outside_train_loss"), finite(r, "train_loss")
        if flag and beyond is not None and loss is not None and own is not None:
            found[r.get("point") or "?"] = (flag == "1", beyond, loss, own)
    return found or None


def _minima_claim(minima: dict[str, tuple[bool, float, float, float]], rows: list[dict[str, str]]) -> ClaimResult:
    parts = [f"{name}: L({beyond:g}) = {loss:.3g} {'≥' if ok else '<'} {own:.3g}"
             for name, (ok, beyond, loss, own) in minima.items()]
    if all(ok for ok, *_ in minima.values()):
        return MINIMA.judge(SUPPORTED, "; ".join(parts), 1)
    # An endpoint that still misfits its training set is still training, not a refutation (as for loss_rises).
    fits = {("A" if a == 0 else "B"): v for r in rows if (a := finite(r, "alpha")) in (0.0, 1.0)
            and (v := finite(r, "train_acc")) is not None}
    unfitted = [f"{name} fits only {fits[name]:.3g} of its training set" for name, (ok, *_) in minima.items()
                if not ok and fits.get(name, 1.0) < FITTED]
    if unfitted:
        return MINIMA.judge(INCONCLUSIVE, "; ".join(parts) + f"; {', '.join(unfitted)} (< {FITTED:g}): still training", 1)
    return MINIMA.judge(NOT_SUPPORTED, "; ".join(parts), 1)


def _falls_from_init(curve: Curve) -> ClaimResult:
    if 0.0 not in curve or 1.0 not in curve:
        return FALLS.judge(INCONCLUSIVE, "the α grid lacks an endpoint (α = 0 or 1 has no finite loss)", 1)
    path = sorted((a, v) for a, v in curve.items() if 0 <= a <= 1)
    rises = [(a, b, u, v) for (a, u), (b, v) in itertools.pairwise(path) if v > u * (1 + NOISE)]
    evidence = f"L(init) = {curve[0.0]:.3g} → L(A) = {curve[1.0]:.3g} over {len(path)} points"
    if rises:
        a, b, u, v = max(rises, key=lambda r: r[3] / r[2])
        return FALLS.judge(NOT_SUPPORTED, f"{evidence}; {len(rises)} rise(s), the largest {u:.3g} → {v:.3g} "
                                          f"from α = {a:g} to {b:g}", 1)
    return FALLS.judge(SUPPORTED, f"{evidence}, falling at every step", 1)


def _rises(rows: list[dict[str, str]], curve: Curve, minima: dict[str, tuple[bool, float, float, float]] | None) -> ClaimResult:
    if 0.0 not in curve or 1.0 not in curve:
        return RISES.judge(INCONCLUSIVE, "the α grid lacks an endpoint (α = 0 or 1 has no finite loss)", 1)
    start, end = curve[0.0], curve[1.0]
    fitted = {a: v for r in rows if (a := finite(r, "alpha")) in (0.0, 1.0) and (v := finite(r, "train_acc")) is not None}
    unfitted = [f"{'A' if a == 0 else 'B'} fits only {v:.3g} of its training set" for a, v in fitted.items() if v < FITTED]
    between = {a: v for a, v in curve.items() if 0 < a < 1}
    before = max((v for a, v in curve.items() if a < 0), default=None)
    after = max((v for a, v in curve.items() if a > 1), default=None)
    peak_alpha = max(between, key=between.__getitem__, default=None)
    barrier = peak_alpha is not None and between[peak_alpha] > RISE * max(start, end)
    if barrier:
        barrier_text = (f"barrier: the loss peaks at α = {peak_alpha:g} at {between[peak_alpha]:.3g}, "
                        f"{between[peak_alpha] / max(start, end):.2g}× the higher endpoint")
    else:
        barrier_text = f"no barrier: between the endpoints the loss stays below {RISE:g}× the higher endpoint"
    walls = f"L(0) = {start:.3g}, L(1) = {end:.3g}"
    if before is not None:
        walls += f"; beyond A up to {before:.3g} ({before / start:.3g}×)"
    if after is not None:
        walls += f"; beyond B up to {after:.3g} ({after / end:.3g}×)"
    beyond = before is not None and after is not None and before > RISE * start and after > RISE * end
    not_minima = [name for name, (ok, *_) in (minima or {}).items() if not ok]
    note = ""
    if barrier or (beyond and not not_minima):
        verdict = SUPPORTED
    elif not_minima:  # the loss first falls past an endpoint: a wall farther out is not around a minimum
        verdict = INCONCLUSIVE
        note = f"; {' and '.join(not_minima)} not a minimum along the line (the loss falls just beyond it)"
    elif before is None or after is None or unfitted:
        verdict = INCONCLUSIVE  # the grid does not look beyond both endpoints, or they are no minima yet
        note = f"; {', '.join(unfitted)} (< {FITTED:g}): not a minimum yet" if unfitted else ""
    else:
        verdict = NOT_SUPPORTED
    return RISES.judge(verdict, f"{barrier_text}; {walls}{note}", 1)
