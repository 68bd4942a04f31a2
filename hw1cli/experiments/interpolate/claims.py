"""Claims of `hw1 interpolate`: along θ(α) the two trained models sit in low places of the loss (HW1-3)."""

from __future__ import annotations

from pathlib import Path

from hw1cli.claims.source import finite, read_rows
from hw1cli.claims.verdicts import INCONCLUSIVE, NOT_SUPPORTED, SUPPORTED, Claim, ClaimResult

# "Rises" means at least 10% above the endpoint, so a flat valley is not read as a barrier or a wall.
RISE = 1.10
# The claim is about trained minima: an endpoint that fits less of its training set than this may still be on
# its way down, so a missing rise is then inconclusive rather than a refutation.
FITTED = 0.95
RISES = Claim("interpolate", "loss_rises",
              "Along θ(α) the train loss rises between the endpoints (a barrier) or beyond both of them (α < 0, α > 1).")
CLAIMS = (RISES,)


def evaluate(folder: Path) -> list[ClaimResult]:
    if not (folder / "summary.csv").exists():  # the run writes no line when an endpoint diverged
        diverged = [r["model"] for r in read_rows(folder, "models.csv", ("model", "status")) if r["status"] == "diverged"]
        if diverged:
            return [RISES.judge(INCONCLUSIVE, f"model {' and '.join(diverged)} diverged: no line to walk along", 1)]
    rows = read_rows(folder, "summary.csv", ("alpha", "train_loss", "train_acc"))
    curve = {a: v for r in rows if (a := finite(r, "alpha")) is not None and (v := finite(r, "train_loss")) is not None}
    if 0.0 not in curve or 1.0 not in curve:
        return [RISES.judge(INCONCLUSIVE, "the α grid lacks an endpoint (α = 0 or 1 has no finite loss)", 1)]
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
    if barrier or beyond:
        verdict = SUPPORTED
    elif before is None or after is None or unfitted:
        verdict = INCONCLUSIVE  # the grid does not look beyond both endpoints, or they are no minima yet
    else:
        verdict = NOT_SUPPORTED
    note = f"; {', '.join(unfitted)} (< {FITTED:g}): not a minimum yet" if unfitted and verdict == INCONCLUSIVE else ""
    return [RISES.judge(verdict, f"{barrier_text}; {walls}{note}", 1)]
