"""The few statistics the claims need, in plain Python and numpy (no scipy: `hw1 check` must start fast; numpy
loads only when a rank correlation is computed).

- mean ± standard error over seeds;
- the binomial standard error of an accuracy measured on n images;
- Spearman's rank correlation with a two-sided p-value: exact (every permutation) up to 8 points, the
  normal approximation z = ρ·sqrt(n−1) beyond.
"""

from __future__ import annotations

import itertools
import math
import statistics
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import numpy as np

# Up to this many points the p-value enumerates all n! orderings (8! = 40,320: a few milliseconds).
EXACT_MAX_POINTS = 8
SIGNIFICANCE = 0.05  # two-sided level at which a rank correlation counts as a trend


def mean_se(values: Sequence[float]) -> tuple[float, float]:
    """Mean and standard error of the mean (sample std / sqrt(n)); the error is nan for one value."""
    n = len(values)
    if n == 0:
        return math.nan, math.nan
    mean = statistics.fmean(values)
    return mean, statistics.stdev(values) / math.sqrt(n) if n > 1 else math.nan


def binomial_se(p: float, n: int) -> float:
    """Standard error of a fraction p measured on n independent trials (an accuracy on n test images)."""
    return math.sqrt(max(p * (1 - p), 0.0) / n) if n > 0 else math.nan


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


def _pearson(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Pearson correlation of x with every row of y (nan where a side is constant)."""
    import numpy as np

    xc = x - x.mean()
    yc = y - y.mean(axis=-1, keepdims=True)
    denominator = np.sqrt((xc**2).sum() * (yc**2).sum(axis=-1))
    with np.errstate(invalid="ignore", divide="ignore"):
        return (yc @ xc) / denominator


@dataclass(frozen=True)
class RankCorrelation:
    rho: float
    p: float  # two-sided
    n: int

    def text(self) -> str:
        if math.isnan(self.rho):
            return f"Spearman ρ undefined (n = {self.n}, a constant side)"
        return f"Spearman ρ = {self.rho:+.2f} (n = {self.n}, two-sided p = {self.p:.2g})"


def spearman(x: Sequence[float], y: Sequence[float]) -> RankCorrelation:
    """Spearman's ρ of x and y with a two-sided p-value under independence."""
    n = len(x)
    assert n == len(y)
    if n < 2:
        return RankCorrelation(math.nan, math.nan, n)
    rx, ry = ranks(x), ranks(y)
    rho = float(_pearson(rx, ry[None, :])[0])
    if math.isnan(rho):
        return RankCorrelation(math.nan, math.nan, n)
    if n <= EXACT_MAX_POINTS:
        import numpy as np

        every = np.array(list(itertools.permutations(ry)))
        null = _pearson(rx, every)
        p = float(np.mean(np.abs(null) >= abs(rho) - 1e-12))
    else:
        p = math.erfc(abs(rho) * math.sqrt(n - 1) / math.sqrt(2))
    return RankCorrelation(rho, min(p, 1.0), n)


def mean_text(values: Sequence[float], digits: int = 4) -> str:
    """"0.9780 ± 0.0012" (mean ± SE over seeds), or the one value alone."""
    mean, se = mean_se(values)
    return f"{mean:.{digits}g}" if math.isnan(se) else f"{mean:.{digits}g} ± {se:.2g}"
