"""The few statistics the claims need, in plain Python and numpy (no scipy: `hw1 check` must start fast; numpy
loads only when a rank correlation is computed).

- mean ± standard error over seeds; the binomial standard error of an accuracy measured on n images;
- the standard error of a mean of autocorrelated values (AR(1), for per-iteration curves);
- Student's t distribution (survival function, any real df) from the regularized incomplete beta function,
  for Welch's test in `verdicts.compare` and Spearman's large-n p-value;
- Spearman's rank correlation with a two-sided p-value: exact up to 12 points (ties included) from the
  permutation distribution counted by dynamic programming over subsets (`_exact_counts`), and the t
  approximation t = ρ·sqrt((n−2)/(1−ρ²)) on n−2 df beyond (as scipy.stats.spearmanr);
- the exact two-sided McNemar (sign) test on discordant pairs.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from hw1cli.claims.tdist import t_sf

if TYPE_CHECKING:
    import numpy as np

__all__ = ["EXACT_MAX_POINTS", "SIGNIFICANCE", "RankCorrelation", "binomial_se", "mcnemar_p", "mean_se",
           "mean_text", "ranks", "spearman", "t_sf"]

# Up to this many points the p-value is exact: the DP visits 12·2^11 (mask, rank) pairs, about 0.1 s once per
# distinct pair of rank multisets (cached), where listing all 12! = 479M orderings would take minutes.
EXACT_MAX_POINTS = 12
SIGNIFICANCE = 0.05  # two-sided level at which a rank correlation counts as a trend


def mean_se(values: Sequence[float]) -> tuple[float, float]:
    """Mean and standard error of the mean (sample std / sqrt(n)); the error is nan for one value."""
    n = len(values)
    if n == 0:
        return math.nan, math.nan
    try:
        mean = math.fsum(values) / n
    except OverflowError:  # a sum past 1.8e308 of finite values: the mean itself is finite
        mean = math.fsum(v / n for v in values)
    if n == 1:
        return mean, math.nan
    # Two-pass float variance: statistics.stdev's exact fractions cost ~100 µs a call, and the null-rate
    # simulation of `compare` calls this tens of thousands of times.
    try:
        variance = math.fsum((v - mean) ** 2 for v in values) / (n - 1)
    except OverflowError:  # deviations past ~1e154: scaled by a power of two (exact) before squaring
        scale = math.ldexp(1.0, math.frexp(max(abs(v - mean) for v in values))[1] - 1)  # 2**1024 would overflow
        variance = math.fsum(((v - mean) / scale) ** 2 for v in values) / (n - 1)
        return mean, scale * math.sqrt(variance / n)
    return mean, math.sqrt(variance / n)


def ar1_mean_se(values: Sequence[float]) -> tuple[float, float, float, float]:
    """(mean, SE, df, φ) of a series whose neighbours are correlated (an AR(1) model); φ is the lag-1
    autocorrelation the SE counts (the estimate raised and capped as below; nan where none is estimated).

    The noise is what is left around the series' straight-line trend (a falling loss is signal, not noise):
    with s² its variance and φ its lag-1 autocorrelation, raised by its small-sample bias (2 + 4φ)/n and
    capped at 0.99, SE² = s²/n · [1 + 2 Σ_k (1 − k/n) φ^k] and df = n/factor − 1 (the effective number of
    points less one). Comparing two 100-point windows of a trendless AR(1) (300 draws), Welch's t on these
    says "beyond 2.5%" one-sided about 2% of the time at φ = 0.9, 7% at 0.95 and 13% at 0.99 (a window then
    holds half a correlation time, too little to see it); an i.i.d. SE is there 4–14× too small. Under 10 points φ cannot be estimated: the plain SE, n − 1 df.
    """
    n = len(values)
    mean = math.fsum(values) / n
    if n < 10:
        return (*mean_se(values), n - 1.0, math.nan)
    middle = (n - 1) / 2
    slope = math.fsum((i - middle) * (v - mean) for i, v in enumerate(values)) / math.fsum(
        (i - middle) ** 2 for i in range(n))
    residuals = [v - mean - slope * (i - middle) for i, v in enumerate(values)]
    squares = math.fsum(r * r for r in residuals)
    if squares == 0:
        return mean, 0.0, n - 2.0, math.nan
    phi = math.fsum(x * y for x, y in zip(residuals, residuals[1:])) / squares  # noqa: RUF007
    adjusted = min(0.99, max(0.0, phi + (2 + 4 * phi) / n))
    factor = 1 + 2 * math.fsum((1 - k / n) * adjusted**k for k in range(1, n))
    return mean, math.sqrt(squares / (n - 2) * factor / n), max(1.0, n / factor - 1), adjusted


def binomial_se(p: float, n: int) -> float:
    """Standard error of a fraction p measured on n independent trials (an accuracy on n test images)."""
    return math.sqrt(max(p * (1 - p), 0.0) / n) if n > 0 else math.nan


def mcnemar_p(only_a: int, only_b: int) -> float:
    """Exact two-sided McNemar p: under "A and B err equally", each discordant image is a fair coin."""
    n = only_a + only_b
    if n == 0:
        return 1.0
    k = min(only_a, only_b)
    tail = sum(math.comb(n, i) for i in range(k + 1)) / 2**n
    return min(1.0, 2 * tail)


def ranks(values: Sequence[float]) -> np.ndarray:
    """1-based ranks, ties sharing their average rank (as Spearman's correlation needs)."""
    import numpy as np

    x = np.asarray(values, dtype=float)
    order = np.argsort(x, kind="stable")
    result = np.empty(len(x))
    sorted_x = x[order]
    start = 0
    while start < len(x):
        end = start
        while end + 1 < len(x) and sorted_x[end + 1] == sorted_x[start]:
            end += 1
        result[order[start:end + 1]] = (start + end) / 2 + 1
        start = end + 1
    return result


def _pearson(x: np.ndarray, y: np.ndarray) -> float:
    """Pearson correlation (nan where a side is constant)."""
    import numpy as np

    xc, yc = x - x.mean(), y - y.mean()
    denominator = math.sqrt(float((xc**2).sum() * (yc**2).sum()))
    return float(np.dot(xc, yc) / denominator) if denominator > 0 else math.nan


@functools.lru_cache(maxsize=64)
def _exact_counts(a: tuple[int, ...], b: tuple[int, ...]) -> tuple[int, ...]:
    """How many of the n! pairings π give each value S = Σ a_i·b_π(i) (index S), a and b small integers.

    Position i takes one unused item of b; the state is (set of used items, partial S), so the work is
    n·2^(n−1) array additions instead of n! orderings. Tied values of b count as distinct items, exactly as
    enumerating the orderings of b does, so the proportions are the permutation test's.
    """
    import numpy as np

    n = len(a)
    size = sum(x * y for x, y in zip(sorted(a), sorted(b))) + 1  # the largest S (rearrangement inequality)
    layer: dict[int, np.ndarray] = {0: np.zeros(size, dtype=np.int64)}
    layer[0][0] = 1
    for i in range(n):
        following: dict[int, np.ndarray] = {}
        for used, counts in layer.items():
            for j in range(n):
                if used >> j & 1:
                    continue
                shift = a[i] * b[j]
                target = following.get(used | 1 << j)
                if target is None:
                    target = following[used | 1 << j] = np.zeros(size, dtype=np.int64)
                target[shift:] += counts[:size - shift]
        layer = following
    return tuple(int(c) for c in layer[(1 << n) - 1])


def _exact_p(rx: np.ndarray, ry: np.ndarray) -> float:
    """Two-sided permutation p of Spearman's ρ: the share of pairings with |ρ| at least the observed one."""
    n = len(rx)
    # Doubled mid-ranks are integers; ρ is an increasing affine function of S = Σ a_i·b_i, centred at
    # Σa·Σb/n = n(n+1)², so |ρ| ≥ |ρ_obs| is |S − centre| ≥ |S_obs − centre|, compared in exact integers.
    a, b = [round(float(2 * r)) for r in rx], [round(float(2 * r)) for r in ry]
    centre = n * (n + 1) ** 2
    observed = abs(sum(x * y for x, y in zip(a, b)) - centre)
    counts = _exact_counts(tuple(sorted(a)), tuple(sorted(b)))
    extreme = sum(c for s, c in enumerate(counts) if c and abs(s - centre) >= observed)
    return extreme / math.factorial(n)


@dataclass(frozen=True)
class RankCorrelation:
    rho: float
    p: float  # two-sided
    n: int

    def text(self) -> str:
        if math.isnan(self.rho):
            return f"Spearman ρ undefined (n = {self.n}, a constant side)"
        return f"Spearman ρ = {self.rho:+.2f} (n = {self.n}, two-sided p = {p_text(self.p)})"


def p_text(p: float) -> str:
    """p with 2 significant digits, more where 2 would put it on the other side of SIGNIFICANCE than it is
    ("p = 0.05" beside a ✔ read as a contradiction: p was 0.0496)."""
    for digits in range(2, 18):  # 17 significant digits tell any two doubles apart
        text = f"{p:.{digits}g}"
        if (float(text) < SIGNIFICANCE) == (p < SIGNIFICANCE):
            return text
    return text


def spearman(x: Sequence[float], y: Sequence[float]) -> RankCorrelation:
    """Spearman's ρ of x and y with a two-sided p-value under independence (exact up to 12 points)."""
    n = len(x)
    assert n == len(y)
    if n < 2:
        return RankCorrelation(math.nan, math.nan, n)
    rx, ry = ranks(x), ranks(y)
    rho = _pearson(rx, ry)
    if math.isnan(rho):
        return RankCorrelation(math.nan, math.nan, n)
    if n <= EXACT_MAX_POINTS:
        p = _exact_p(rx, ry)
    elif abs(rho) >= 1.0:
        p = 0.0
    else:
        p = 2 * t_sf(abs(rho) * math.sqrt((n - 2) / (1 - rho**2)), n - 2)
    return RankCorrelation(rho, min(p, 1.0), n)


def mean_text(values: Sequence[float], digits: int = 4) -> str:
    """"0.9780 ± 0.0012" (mean ± SE over seeds), or the one value alone."""
    mean, se = mean_se(values)
    return f"{mean:.{digits}g}" if math.isnan(se) else f"{mean:.{digits}g} ± {se:.2g}"
