"""Every size a user can ask for is checked up front against what it would allocate or search: exit 2 with
the number, in well under a second of checking, never a MemoryError or an hour's search (issue 16, items 5, 9)."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import run_cli

from hw1cli.configs.sizes import mlp_param_count, width_for_budget

TOO_BIG = [
    (["interpolate", "--alpha-step", "1e-300"], "3e+300 points"),
    (["simulate", "--params", "100000000000"], "--params 100,000,000,000"),
    (["gradnorm", "--params", "100000000000"], "--params 100,000,000,000"),
    (["simulate", "--points", "10000000000"], "--points 10,000,000,000"),
    (["minratio", "--hidden", "100000"], "--hidden 100,000"),
    (["minratio", "--runs", "1000000000"], "--runs 1,000,000,000"),
    (["pca", "--runs", "1000000000"], "--runs 1,000,000,000"),
    (["params", "--widths", "10000000"], "--widths 10,000,000"),
    (["randlabel", "--hidden", "100000000"], "--hidden 100,000,000"),
    (["sensitivity", "--hidden", "100000000"], "--hidden 100,000,000"),
    (["interpolate", "--hidden", "100000000"], "--hidden 100,000,000"),
    (["randlabel", "--dataset", "digits", "--tile", "99999999999999999999"], "--tile 99,999,999,999,999,999,999"),
    (["simulate", "--x-min", "-1e39", "--x-max", "0"], "--x-min"),
    (["minratio", "--x-min", "1e20", "--x-max", "1.0000001e20"], "--x-min"),
    (["gradnorm", "--x-max", "1e9"], "--x-max"),
]


@pytest.mark.parametrize(("args", "mention"), TOO_BIG, ids=[" ".join(a) for a, _ in TOO_BIG])
def test_a_size_too_big_is_refused_up_front(tmp_path: Path, args: list[str], mention: str) -> None:
    result = run_cli(*args, "-q", "-o", tmp_path / "out")
    assert result.exit_code == 2 and mention in result.stderr, result.output
    assert result.stderr.count("\n") == 1 and not (tmp_path / "out").exists()


def test_the_width_search_is_a_bisection_with_the_walks_answer() -> None:
    for depth in range(1, 8):
        for budget in range(mlp_param_count(depth, 1), 3000, 7):
            widest = max(w for w in range(1, 1100) if mlp_param_count(depth, w) <= budget)
            nearer = widest + 1 if abs(mlp_param_count(depth, widest + 1) - budget) < abs(budget - mlp_param_count(depth, widest)) else widest
            assert width_for_budget(depth, budget) == nearer
    assert width_for_budget(1, 10**11) == 33_333_333_333  # 3w + 1 parameters: found in ~60 steps, not 3e10
