"""What people read says what it shows: a headline over several seeds is their mean and says so, a table's ±
is named, settings a run's mode ignored are not listed as used, the banner says where several seeds ran,
log-axis ticks read as numbers, and stacked runs are charged their share of the time."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest
from conftest import run_cli

from hw1cli import registry
from hw1cli.plots.common import _plain
from hw1cli.report import _settings
from hw1cli.report_banner import seeds_of
from hw1cli.sweep.report import TABLE_CAPTION, sweep_sections


def test_a_headline_over_seeds_is_their_mean_and_says_so() -> None:
    params = [{"width": w, "seed": s, "loss_gap": str(g)} for w, s, g in
              [("4", "0", -0.01), ("4", "1", -0.03), ("1024", "0", 0.1), ("1024", "1", 0.2)]]
    assert registry.get("params").headline(params) == "test−train loss gap: width 4 -0.02, width 1024 0.15 (mean of 2 seeds)"
    mnist = [{"model": m, "seed": s, "test_acc": a} for m, s, a in
             [("shallow", "0", "0.97"), ("shallow", "1", "0.99"), ("deep", "0", "0.98"), ("deep", "1", "1.0")]]
    assert registry.get("mnist").headline(mnist) == "test acc shallow 0.98, deep 0.99 (mean of 2 seeds)"
    one = [{"model": "shallow", "seed": "0", "test_acc": "0.97"}]
    assert registry.get("mnist").headline(one) == "test acc shallow 0.97"  # one seed: as before


def test_settings_leave_out_what_the_mode_ignored() -> None:
    gradnorm = {"command": "gradnorm", "device": "cpu", "config": {"task": "sinc", "model": "shallow", "batch_size": 64,
                                                                    "full_every": 20, "depth": 7}}
    names = [name for name, _ in _settings(gradnorm)]
    assert "depth" in names and not {"model", "batch_size", "full_every"} & set(names)
    interpolate = {"command": "interpolate", "config": {"vary": "batch-size", "model": "mlp", "from_init": False,
                                                        "lr_b": 0.01, "batch_size_b": 1024}}
    names = [name for name, _ in _settings(interpolate)]
    assert "batch_size_b" in names and "lr_b" not in names
    odd = {"command": "gradnorm", "config": {"model": "shallow"}}  # no task recorded: nothing hidden
    assert "model" in [name for name, _ in _settings(odd)]


def test_the_banner_says_where_several_seeds_ran() -> None:
    runs = [("mnist", Path("m"), {"config": {"seed": 0, "seeds": 3}}),
            ("gradnorm", Path("g"), {"config": {"seed": 0}})]
    assert seeds_of(runs) == "seed 0; 3 seeds per model in mnist, one elsewhere"
    assert seeds_of(runs[:1]) == "seed 0; 3 seeds per model"


@pytest.mark.parametrize(("value", "text"), [(5000.0, "5,000"), (20000.0, "20,000"), (0.98, "0.98"), (20.0, "20")])
def test_log_ticks_read_as_numbers(value: float, text: str) -> None:
    assert _plain(value) == text


def test_the_sweep_table_names_its_spread(tmp_path: Path) -> None:
    folder = tmp_path / "sw"
    folder.mkdir()
    record = {"spec": {"experiment": "mnist", "grid": {"lr": ["0.1"]}, "seeds": [0, 1]}, "status": "completed",
              "counts": {"completed": 2}}
    (folder / "sweep.json").write_text(json.dumps(record))
    with open(folder / "sweep.csv", "w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["point", "lr", "seed", "test_acc", "status", "seconds", "host", "error"])
        writer.writerows([["a", "0.1", "0", "0.8", "completed", "1", "", ""], ["b", "0.1", "1", "0.9", "completed", "1", "", ""]])
    (section,) = sweep_sections([(folder, record)])
    assert section["caption"] == TABLE_CAPTION and "standard error" in TABLE_CAPTION
    assert section["rows"][0][2] == "0.85 ± 0.05"  # mean, and the standard error of the mean (sd 0.0707 / sqrt 2)


def test_stacked_pca_runs_are_charged_their_share(tmp_path: Path) -> None:
    out = tmp_path / "pca"
    assert run_cli("pca", "--quick", "--dataset", "digits", "-q", "-o", out).exit_code == 0
    with open(out / "summary.csv", newline="") as handle:
        spent = sum(float(r["train_seconds"]) for r in csv.DictReader(handle))
    assert spent <= json.loads((out / "run.json").read_text())["duration_seconds"]
