"""`hw1 randlabel`: seeded random labels, exact noise count, bad values, and a quick memorisation run."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import torch
from conftest import read_rows, run_cli

from hw1cli.experiments.randlabel.run import random_labels


def true_labels(n: int = 1000) -> torch.Tensor:
    return torch.arange(n) % 10


def test_same_seed_gives_same_labels_and_another_seed_different_ones() -> None:
    first, _ = random_labels(true_labels(), 1.0, 10, seed=7)
    again, _ = random_labels(true_labels(), 1.0, 10, seed=7)
    other, _ = random_labels(true_labels(), 1.0, 10, seed=8)
    assert torch.equal(first, again)
    assert not torch.equal(first, other)
    # Full noise: uniform over the classes, and unrelated to the true label (~1/10 agree by chance).
    assert set(first.tolist()) == set(range(10))
    assert 0.05 < float((first == true_labels()).float().mean()) < 0.15


def test_noise_replaces_exactly_round_noise_n_positions() -> None:
    y = true_labels(1001)
    labels, positions = random_labels(y, 0.3, 10, seed=0)
    assert len(positions) == round(0.3 * 1001) == len(set(positions.tolist()))
    untouched = torch.ones(len(y), dtype=torch.bool)
    untouched[positions] = False
    assert torch.equal(labels[untouched], y[untouched])
    # A replaced label keeps its true class with chance 1/10, so ~90% of the replaced ones change.
    changed = int((labels != y).sum())
    assert 0.8 * len(positions) < changed <= len(positions)


def test_smaller_noise_replaces_a_subset_of_a_larger_ones_positions() -> None:
    small, small_at = random_labels(true_labels(), 0.2, 10, seed=3)
    large, large_at = random_labels(true_labels(), 0.6, 10, seed=3)
    assert set(small_at.tolist()) <= set(large_at.tolist())
    assert torch.equal(small[small_at], large[small_at])


@pytest.mark.parametrize("value", ["0", "1.5", "-0.1", "nan"])
def test_bad_noise_exits_2_with_one_line(tmp_path: Path, value: str) -> None:
    result = run_cli("randlabel", "--dataset", "digits", "--noise", value, "-o", tmp_path / "out")
    assert result.exit_code == 2
    lines = [line for line in result.output.splitlines() if line.strip()]
    assert len(lines) == 1 and "--noise" in lines[0], result.output
    assert "Traceback" not in result.output
    assert not (tmp_path / "out").exists()


def test_quick_run_memorises_random_labels_while_test_stays_at_chance(tmp_path: Path) -> None:
    out = tmp_path / "rl"
    result = run_cli(
        "randlabel", "--dataset", "digits", "--subset", "200", "--test-subset", "300", "--epochs", "30",
        "--quiet", "-o", out,
    )
    assert result.exit_code == 0, result.output
    files = {p.name for p in out.iterdir()}
    assert {"metrics.csv", "summary.csv", "run.json", "loss.png", "accuracy.png"} <= files
    rows = read_rows(out / "metrics.csv")
    assert [int(r["epoch"]) for r in rows] == list(range(1, 31))
    (summary,) = read_rows(out / "summary.csv")
    assert float(summary["train_acc"]) >= 0.9  # 200 random labels memorised
    assert float(summary["test_acc"]) < 0.3  # ... and nothing learnt about the true ones
    assert float(rows[-1]["train_loss"]) < 0.5 * float(rows[0]["train_loss"])
    assert 1 <= int(summary["first_epoch_train_acc_0.9"]) <= 30
    record = json.loads((out / "run.json").read_text())
    assert record["status"] == "completed" and record["labels_replaced"] == 200
    assert 0.8 < record["labels_changed_fraction"] < 1.0


def test_partial_noise_run_records_the_exact_count(tmp_path: Path) -> None:
    out = tmp_path / "rl30"
    args = ("randlabel", "--dataset", "digits", "--subset", "200", "--test-subset", "100", "--noise", "0.3",
            "--epochs", "1", "--hidden", "16", "--quiet", "-o", out)
    assert run_cli(*args).exit_code == 0
    (summary,) = read_rows(out / "summary.csv")
    assert int(summary["labels_replaced"]) == round(0.3 * 200)
    changed = json.loads((out / "run.json").read_text())["labels_changed_fraction"]
    assert 0.2 < changed <= 0.3
    # The same seed again gives the same labels, so the same (fraction changed, final loss).
    assert run_cli(*args, "--force").exit_code == 0
    assert json.loads((out / "run.json").read_text())["labels_changed_fraction"] == changed
    assert read_rows(out / "summary.csv")[0]["train_loss"] == summary["train_loss"]
