"""Student's t distribution in plain Python (scipy stays out of hw1cli: `hw1 check` must start fast).

The survival function comes from the regularized incomplete beta function, P(T > t) = ½·I_x(df/2, ½) with
x = df/(df + t²), evaluated by its continued fraction (modified Lentz, as in Numerical Recipes §6.4); the
quantile inverts it by bisection. Any real df > 0 works (Welch's df is not an integer); df = inf is the
normal distribution (used from df = 1e7 on).
"""

from __future__ import annotations

import math

_EPS = 1e-15
_TINY = 1e-300


def _beta_fraction(a: float, b: float, x: float) -> float:
    """The continued fraction of I_x(a, b), converging for x < (a + 1)/(a + b + 2)."""
    c, d = 1.0, 1.0 - (a + b) * x / (a + 1)
    d = 1.0 / (d if abs(d) > _TINY else _TINY)
    h = d
    for m in range(1, 200 + int(10 * math.sqrt(a + b))):  # it needs O(sqrt(max(a, b))) terms
        for numerator in (m * (b - m) * x / ((a + 2 * m - 1) * (a + 2 * m)),
                          -(a + m) * (a + b + m) * x / ((a + 2 * m) * (a + 2 * m + 1))):
            d = 1.0 + numerator * d
            d = 1.0 / (d if abs(d) > _TINY else _TINY)
            c = 1.0 + numerator / c
            c = c if abs(c) > _TINY else _TINY
            h *= d * c
        if abs(d * c - 1.0) < _EPS:
            break
    return h


def betainc(a: float, b: float, x: float) -> float:
    """The regularized incomplete beta function I_x(a, b) for a, b > 0 and 0 ≤ x ≤ 1."""
    if x <= 0.0:
        return 0.0
    if x >= 1.0:
        return 1.0
    log_front = math.lgamma(a + b) - math.lgamma(a) - math.lgamma(b) + a * math.log(x) + b * math.log1p(-x)
    if x < (a + 1) / (a + b + 2):
        return math.exp(log_front) * _beta_fraction(a, b, x) / a
    return 1.0 - math.exp(log_front) * _beta_fraction(b, a, 1.0 - x) / b


def t_sf(t: float, df: float) -> float:
    """P(T > t) for Student's t with `df` degrees of freedom (df = inf: the standard normal)."""
    if math.isnan(t) or math.isnan(df) or df <= 0:
        return math.nan
    if math.isinf(t):
        return 0.0 if t > 0 else 1.0
    if df > 1e7:  # beyond, lgamma's rounding costs more than the normal limit's 1/df error
        return 0.5 * math.erfc(t / math.sqrt(2))
    tail = 0.5 * betainc(df / 2, 0.5, df / (df + t * t))
    return tail if t >= 0 else 1.0 - tail


def t_quantile(q: float, df: float) -> float:
    """The t with P(T ≤ t) = q (0 < q < 1): for q = 0.975 the two-sided 95% critical value."""
    if not 0.0 < q < 1.0:
        raise ValueError(f"quantile level {q} is not in (0, 1)")
    if q < 0.5:
        return -t_quantile(1.0 - q, df)
    low, high = 0.0, 1.0
    while t_sf(high, df) > 1.0 - q:  # the upper tail of df → 0 is heavy: widen until bracketed
        low, high = high, high * 2
    for _ in range(200):
        middle = (low + high) / 2
        if t_sf(middle, df) > 1.0 - q:
            low = middle
        else:
            high = middle
        if high - low <= 1e-12 * max(1.0, high):
            break
    return (low + high) / 2
