"""Claims of `hw1 gradnorm`: what the homework asks the student to see in the gradient norm and the loss (HW1-2).

The loss falls, but the gradient norm does not fall with it steadily: it rises again at times (the spikes
where the loss drops after a plateau), so a small gradient norm alone does not say training is done.
"""

from __future__ import annotations

import math
from pathlib import Path

from hw1cli.claims.source import finite, read_rows
from hw1cli.claims.stats import mean_se
from hw1cli.claims.verdicts import INCONCLUSIVE, NOT_SUPPORTED, SE_MULTIPLE, SUPPORTED, Claim, ClaimResult

REBOUND = 2.0  # the norm "rises again" when it exceeds this multiple of its lowest value so far
LOSS_FALLS = Claim("gradnorm", "loss_falls",
                   "The loss falls during training: the last tenth of the iterations averages below the first tenth.")
NORM_REBOUNDS = Claim("gradnorm", "norm_rebounds",
                      f"The gradient norm does not fall steadily with the loss: at least once it rises again to over "
                      f"{REBOUND:g}× its lowest value so far.")
CLAIMS = (LOSS_FALLS, NORM_REBOUNDS)


def evaluate(folder: Path) -> list[ClaimResult]:
    rows = read_rows(folder, "metrics.csv", ("iteration", "loss", "grad_norm"))
    curve = [(loss, norm) for r in rows if (loss := finite(r, "loss")) is not None and (norm := finite(r, "grad_norm")) is not None]
    if len(curve) < 10:
        text = f"{len(curve)} logged iterations; needs 10 or more"
        return [LOSS_FALLS.judge(INCONCLUSIVE, text, 1), NORM_REBOUNDS.judge(INCONCLUSIVE, text, 1)]
    return [_loss_falls([loss for loss, _ in curve]), _norm_rebounds([norm for _, norm in curve])]


def _loss_falls(losses: list[float]) -> ClaimResult:
    # Minibatch losses are noisy: the two windows' means must differ by more than 2 standard errors.
    window = len(losses) // 10
    (first, se_first), (last, se_last) = mean_se(losses[:window]), mean_se(losses[-window:])
    se = math.hypot(se_first, se_last) if window > 1 else 0.0
    drop = first - last
    verdict = SUPPORTED if drop > SE_MULTIPLE * se else NOT_SUPPORTED if drop < -SE_MULTIPLE * se else INCONCLUSIVE
    evidence = f"mean loss over the first {window} iterations {first:.3g}, over the last {window} {last:.3g} (± {se:.2g} SE)"
    return LOSS_FALLS.judge(verdict, evidence, 1)


def _norm_rebounds(norms: list[float]) -> ClaimResult:
    lowest, best, where = math.inf, 0.0, 0
    for i, norm in enumerate(norms):
        if lowest < math.inf and norm / lowest > best:
            best, where = norm / lowest, i + 1
        lowest = min(lowest, norm)
    verdict = SUPPORTED if best > REBOUND else NOT_SUPPORTED
    evidence = (f"largest rise: {best:.3g}× the lowest norm so far (at iteration {where}); "
                f"norm {norms[0]:.3g} at the start, {norms[-1]:.3g} at the end, {min(norms):.3g} at its lowest")
    return NORM_REBOUNDS.judge(verdict, evidence, 1)
