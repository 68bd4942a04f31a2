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
