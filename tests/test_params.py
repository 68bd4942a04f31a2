"""`hw1 params`: width parsing, bad values, and quick runs with one and several seeds."""

from __future__ import annotations

import json
from itertools import pairwise
from pathlib import Path

import pytest
from conftest import read_rows, run_cli

from hw1cli.experiments.params.config import DEFAULT_WIDTHS, ParamsConfig


def test_default_widths_are_ten_geometric_values_from_4_to_1024() -> None:
    assert len(DEFAULT_WIDTHS) == 10 and DEFAULT_WIDTHS[0] == 4 and DEFAULT_WIDTHS[-1] == 1024
    ratios = [b / a for a, b in pairwise(DEFAULT_WIDTHS)]
    assert all(1.6 < r < 2.1 for r in ratios)  # ideal 256 ** (1/9) ~ 1.85, then rounded
    assert ParamsConfig().widths == DEFAULT_WIDTHS


BAD_ARGS = [("--widths", ""), ("--widths", " , "), ("--widths", "4,abc"), ("--widths", "4,4"), ("--widths", "4,,8"), ("--seeds", "0")]


@pytest.mark.parametrize("args", BAD_ARGS)
def test_bad_values_exit_2_with_one_line(tmp_path: Path, args: tuple[str, ...]) -> None:
    result = run_cli("params", "--dataset", "digits", *args, "-o", tmp_path / "out")
    assert result.exit_code == 2
    lines = [line for line in result.output.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("Error"), result.output
    assert "Traceback" not in result.output
    assert not (tmp_path / "out").exists()


def test_quick_run_on_real_mnist_records_every_width(tmp_path: Path, shared_data: Path) -> None:
    out = tmp_path / "params"
    result = run_cli(
        "params", "--data-dir", shared_data, "--no-download", "--subset", "1000", "--test-subset", "500",
        "--widths", "4,16", "--widths", "64", "--epochs", "2", "--quiet", "-o", out,
    )
    assert result.exit_code == 0, result.output
    assert {"metrics.csv", "summary.csv", "run.json", "loss_vs_params.png", "accuracy_vs_params.png"} <= {
        p.name for p in out.iterdir()
    }
    summary = read_rows(out / "summary.csv")
    assert [int(r["width"]) for r in summary] == [4, 16, 64]
    params = [int(r["params"]) for r in summary]
    assert params == sorted(params) and len(set(params)) == 3
    assert params[0] == 784 * 4 + 4 + 4 * 4 + 4 + 4 * 10 + 10  # 784 -> 4 -> 4 -> 10, weights and biases
    for row in summary:
        assert 0 <= float(row["train_acc"]) <= 1 and float(row["train_loss"]) > 0
        gap = float(row["test_loss"]) - float(row["train_loss"])
        assert abs(float(row["loss_gap"]) - gap) < 1e-9
    assert float(summary[-1]["test_acc"]) > 0.7  # width 64 learns real digits within two epochs
    metrics = read_rows(out / "metrics.csv")
    expected = [(w, e) for w in (4, 16, 64) for e in (1, 2)]
    assert [(int(r["width"]), int(r["epoch"])) for r in metrics] == expected
    # The last epoch's row is the same eval-mode measurement as the summary's final numbers.
    assert metrics[-1]["test_acc"] == summary[-1]["test_acc"]
    assert json.loads((out / "run.json").read_text())["config"]["widths"] == [4, 16, 64]
    # Only the last epoch is evaluated by default; every epoch has the training's running numbers.
    assert [r["test_acc"] != "" for r in metrics] == [False, True] * 3
    assert all(float(r["running_loss"]) > 0 and 0 <= float(r["running_acc"]) <= 1 for r in metrics)


def test_eval_every_adds_learning_curves_without_changing_the_final_numbers(tmp_path: Path) -> None:
    """Evaluating does not touch training (no RNG, no weights), so --eval-every only fills more of metrics.csv."""
    common = ("params", "--dataset", "digits", "--widths", "8,32", "--epochs", "5", "--subset", "300",
              "--test-subset", "100", "--quiet")
    assert run_cli(*common, "-o", tmp_path / "lean").exit_code == 0
    assert run_cli(*common, "--eval-every", "2", "-o", tmp_path / "curves").exit_code == 0
    measured = ("train_loss", "train_acc", "test_loss", "test_acc")
    lean, curves = (read_rows(tmp_path / name / "summary.csv") for name in ("lean", "curves"))
    assert [[r[k] for k in measured] for r in lean] == [[r[k] for k in measured] for r in curves]
    metrics = read_rows(tmp_path / "curves" / "metrics.csv")
    assert [int(r["epoch"]) for r in metrics if r["test_loss"]] == [2, 4, 5] * 2
    lean_metrics = read_rows(tmp_path / "lean" / "metrics.csv")
    assert [r["running_loss"] for r in lean_metrics] == [r["running_loss"] for r in metrics]


def test_eval_every_below_zero_is_a_usage_error(tmp_path: Path) -> None:
    result = run_cli("params", "--dataset", "digits", "--eval-every", "-1", "-o", tmp_path / "out")
    assert result.exit_code == 2 and "--eval-every must be >= 0, not -1" in result.output


def test_several_seeds_give_one_row_per_width_and_seed(tmp_path: Path) -> None:
    out = tmp_path / "seeds"
    result = run_cli(
        "params", "--dataset", "digits", "--subset", "300", "--test-subset", "100", "--widths", "4,8",
        "--seeds", "2", "--seed", "5", "--epochs", "1", "--quiet", "-o", out,
    )
    assert result.exit_code == 0, result.output
    summary = read_rows(out / "summary.csv")
    assert [(int(r["width"]), int(r["seed"])) for r in summary] == [(4, 5), (4, 6), (8, 5), (8, 6)]
    assert summary[0]["params"] == summary[1]["params"]
    assert summary[0]["train_loss"] != summary[1]["train_loss"]  # another seed, another model
    assert (out / "loss_vs_params.png").stat().st_size > 0
