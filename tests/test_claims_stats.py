"""The statistics and decision rules behind every verdict: Spearman with exact p, mean ± SE, compare, trend."""

from __future__ import annotations

import math

import pytest

from hw1cli.claims.stats import binomial_se, mean_se, ranks, spearman
from hw1cli.claims.verdicts import INCONCLUSIVE, NOT_SUPPORTED, SUPPORTED, all_of, any_of, compare, trend


def test_mean_se_and_binomial_se() -> None:
    assert mean_se([1.0, 2.0, 3.0]) == pytest.approx((2.0, 1 / math.sqrt(3)))
    mean, se = mean_se([0.5])
    assert mean == 0.5 and math.isnan(se)  # one value: no spread to estimate
    assert binomial_se(0.1, 2000) == pytest.approx(math.sqrt(0.09 / 2000))


def test_ranks_share_ties() -> None:
    assert ranks([10, 30, 20, 20]).tolist() == [1.0, 4.0, 2.5, 2.5]


def test_spearman_exact_p_for_few_points() -> None:
    # n = 5 and a perfect order: 1 of 120 orderings each way reaches |ρ| = 1, so p = 2/120.
    result = spearman([1, 2, 3, 4, 5], [2, 4, 8, 16, 32])
    assert result.rho == pytest.approx(1.0) and result.p == pytest.approx(2 / 120) and result.n == 5
    assert spearman([1, 2, 3, 4, 5], [5, 4, 3, 2, 1]).rho == pytest.approx(-1.0)
    # one adjacent swap: ρ = 0.9, reached by 5 of 120 orderings each way
    assert spearman([1, 2, 3, 4, 5], [1, 2, 3, 5, 4]).p == pytest.approx(10 / 120)


def test_spearman_normal_approximation_and_constant() -> None:
    result = spearman(list(range(20)), list(range(20)))
    assert result.p == pytest.approx(math.erfc(math.sqrt(19) / math.sqrt(2)))
    assert math.isnan(spearman([1, 2, 3], [4, 4, 4]).rho)


def test_compare_needs_two_seeds_two_se_and_a_majority() -> None:
    deep, shallow = {0: 0.98, 1: 0.981, 2: 0.979}, {0: 0.90, 1: 0.91, 2: 0.905}
    assert compare(deep, shallow, claimed_higher=True).verdict == SUPPORTED
    assert compare(shallow, deep, claimed_higher=True).verdict == NOT_SUPPORTED
    assert compare(deep, shallow, claimed_higher=False).verdict == NOT_SUPPORTED
    one = compare({0: 0.99}, {0: 0.5}, claimed_higher=True)
    assert one.verdict == INCONCLUSIVE and one.seeds == 1  # one seed is never decisive
    close = compare({0: 0.978, 1: 0.977, 2: 0.979}, {0: 0.977, 1: 0.979, 2: 0.978}, claimed_higher=True)
    assert close.verdict == INCONCLUSIVE and close.agree == 2  # most seeds agree, but the mean difference is 0
    # a clear mean difference, but the measurement floor (binomial SE) makes it within noise
    floored = compare({0: 0.980, 1: 0.981}, {0: 0.975, 1: 0.976}, claimed_higher=True, floor_a=0.003, floor_b=0.003)
    assert floored.verdict == INCONCLUSIVE and floored.se == pytest.approx(math.sqrt(2 * 0.0005**2 + 2 * 0.003**2))
    # the mean says yes but most seeds say no: not supported either way
    split = compare({0: 1.0, 1: 0.5, 2: 0.5}, {0: 0.0, 1: 0.6, 2: 0.6}, claimed_higher=True)
    assert split.verdict == INCONCLUSIVE


def test_trend_and_combinations() -> None:
    up = spearman([1, 2, 3, 4, 5], [1, 2, 3, 4, 5])
    assert trend(up, increasing=True) == SUPPORTED
    assert trend(up, increasing=False) == NOT_SUPPORTED
    assert trend(spearman([1, 2, 3], [1, 2, 3]), increasing=True) == INCONCLUSIVE  # n = 3: p = 1/3 at best
    assert trend(up, increasing=True, seeds_agree=(1, 3)) == INCONCLUSIVE  # most seeds disagree
    assert any_of(INCONCLUSIVE, SUPPORTED) == SUPPORTED and any_of(NOT_SUPPORTED, INCONCLUSIVE) == INCONCLUSIVE
    assert any_of(NOT_SUPPORTED, NOT_SUPPORTED) == NOT_SUPPORTED
    assert all_of(SUPPORTED, NOT_SUPPORTED) == NOT_SUPPORTED and all_of(SUPPORTED, INCONCLUSIVE) == INCONCLUSIVE
