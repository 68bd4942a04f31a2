"""Claims of `hw1 gradnorm`: what the homework asks the student to see in the gradient norm and the loss (HW1-2).

The loss falls, but the gradient norm does not fall with it steadily: it rises again at times (the spikes
where the loss drops after a plateau), so a small gradient norm alone does not say training is done.

Both curves are logged every iteration, and neighbouring iterations are far from independent (lag-1
autocorrelation 0.96–0.99 in real runs), so the loss windows' SEs allow for it (an AR(1) model), and the
norm's rebound is read on a smoothed curve and weighed against the norm's own scatter around it.
"""

from __future__ import annotations

import math
import statistics
from pathlib import Path

from hw1cli.claims.source import finite, read_rows
from hw1cli.claims.stats import ar1_mean_se
from hw1cli.claims.tdist import t_sf
from hw1cli.claims.verdicts import (
    INCONCLUSIVE,
    LEVEL,
    NOT_SUPPORTED,
    SUPPORTED,
    Claim,
    ClaimResult,
    critical_t,
    df_text,
    satterthwaite,
)

REBOUND = 2.0  # the norm "rises again" when its smoothed curve exceeds this multiple of its lowest value so far
# ...and the rise (in log-norm) must exceed this many times the log-norm's own scatter (robust σ):
# a rise the size of one iteration's noise is no rebound, however large the raw ratio (47× on a plain decay).
NOISE_MULTIPLE = 4.0
LOSS_FALLS = Claim("gradnorm", "loss_falls",
                   "The loss falls during training: the last tenth of the iterations averages below the first tenth.")
NORM_REBOUNDS = Claim("gradnorm", "norm_rebounds",
                      f"The gradient norm does not fall steadily with the loss: at least once its smoothed curve rises "
                      f"again to over {REBOUND:g}× its lowest value so far, beyond what its own noise explains.")
CLAIMS = (LOSS_FALLS, NORM_REBOUNDS)


def evaluate(folder: Path) -> list[ClaimResult]:
    rows = read_rows(folder, "metrics.csv", ("iteration", "loss", "grad_norm"))
    curve = [(loss, norm) for r in rows if (loss := finite(r, "loss")) is not None and (norm := finite(r, "grad_norm")) is not None]
    if len(curve) < 10:
        text = f"{len(curve)} logged iterations; needs 10 or more"
        return [LOSS_FALLS.judge(INCONCLUSIVE, text, 1), NORM_REBOUNDS.judge(INCONCLUSIVE, text, 1)]
    return [loss_falls([loss for loss, _ in curve]), norm_rebounds([norm for _, norm in curve])]


def loss_falls(losses: list[float]) -> ClaimResult:
    """First against last tenth: Welch's t on the two window means, each with an AR(1)-aware SE."""
    window = len(losses) // 10
    (first, se_first, df_first, phi_first), (last, se_last, df_last, phi_last) = (ar1_mean_se(losses[:window]),
                                                                                  ar1_mean_se(losses[-window:]))
    drop = first - last
    se, df = satterthwaite([(se_first, df_first), (se_last, df_last)])
    # one iteration a window (10-19 logged): the windows' spread is unknown (nan), so nothing is decided
    decided = not math.isnan(se) and (t_sf(abs(drop) / se, df) < LEVEL if se > 0 else drop != 0)
    verdict = (SUPPORTED if drop > 0 else NOT_SUPPORTED) if decided else INCONCLUSIVE
    test = f", t on {df_text(df)} df needs {critical_t(df):.3g}" if se > 0 else ""
    unknown = "; one iteration a window: its spread is unknown (log 20 or more)" if math.isnan(se) else ""
    correlated = ("" if math.isnan(phi_first) and math.isnan(phi_last) else
                  f"; lag-1 autocorrelation counted in the SE: first tenth {phi_first:.2f}, last tenth {phi_last:.2f}")
    evidence = (f"mean loss over the first {window} iterations {first:.3g}, over the last {window} {last:.3g}: "
                f"drop {drop:+.3g} ± {se:.2g} SE{test}{correlated}{unknown}")
    return LOSS_FALLS.judge(verdict, evidence, 1)


def running_median(values: list[float], width: int) -> list[float]:
    """Centred running median over `width` points (clipped at the ends)."""
    half = width // 2
    return [statistics.median(values[max(0, i - half):i + half + 1]) for i in range(len(values))]


def norm_rebounds(norms: list[float]) -> ClaimResult:
    """The largest rise of the smoothed log-norm above its lowest value so far, against the norm's own scatter.

    Smoothing: a running median of log(norm) over w = max(5, n/50) iterations (odd), which keeps a sustained
    rebound and drops single-iteration spikes. Scatter: σ = 1.4826·median |log norm − a 5w running median|
    (a robust standard deviation that includes slow wandering). Supported: the smoothed norm rises to over
    2× its lowest value so far and the rise exceeds 4σ. Not supported: it never rises to 2×. Between (a 2×
    rise within 4σ): inconclusive.
    """
    logs = [math.log(max(g, 1e-300)) for g in norms]
    width = max(5, len(logs) // 50) | 1
    smooth = running_median(logs, width)
    # The scatter is measured around a 5× wider median, so slow wandering counts as noise too: around the
    # narrow one it would hide inside the smoothed curve it is meant to judge.
    wide = running_median(logs, 5 * width)
    sigma = 1.4826 * statistics.median(abs(x - s) for x, s in zip(logs, wide))
    lowest, rise, where = math.inf, 0.0, 0
    for i, value in enumerate(smooth):
        if value - lowest > rise:
            rise, where = value - lowest, i + 1
        lowest = min(lowest, value)
    raw = _largest_raw_rise(norms)
    needed = max(math.log(REBOUND), NOISE_MULTIPLE * sigma)
    if rise > needed:
        verdict = SUPPORTED
    elif rise <= math.log(REBOUND):
        verdict = NOT_SUPPORTED
    else:
        verdict = INCONCLUSIVE  # a 2× rise, but no larger than the norm's own noise
    evidence = (f"smoothed norm (running median over {width} iterations) rises to {math.exp(rise):.3g}× its lowest "
                f"value so far" + (f" (at iteration {where})" if rise > 0 else "") +
                f"; the log-norm scatters σ = {sigma:.2g} around it, so a rebound must pass {REBOUND:g}× and "
                f"e^({NOISE_MULTIPLE:g}σ) = {math.exp(NOISE_MULTIPLE * sigma):.3g}×; raw per-iteration largest rise "
                f"{raw:.3g}×; norm {norms[0]:.3g} at the start, {norms[-1]:.3g} at the end, {min(norms):.3g} at its lowest")
    return NORM_REBOUNDS.judge(verdict, evidence, 1)


def _largest_raw_rise(norms: list[float]) -> float:
    """The unsmoothed ratio the earlier rule used: noise alone makes it large (evidence only)."""
    lowest, best = math.inf, 1.0
    for norm in norms:
        if lowest < math.inf and lowest > 0:
            best = max(best, norm / lowest)
        lowest = min(lowest, norm)
    return best
