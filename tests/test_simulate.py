"""hw1 simulate end to end, parameter budgets, determinism, and the convergence behaviour the spec promises."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import torch
from conftest import read_rows, run_cli, without_timing

from hw1cli.configs.sizes import width_for_budget
from hw1cli.experiments.simulate.run import outcome_of, still_learning
from hw1cli.functions import grid, target
from hw1cli.models import count_params, mlp
from hw1cli.training import OptimizerSpec, evaluate, fit


def test_simulate_depth3_writes_all_outputs(tmp_path: Path) -> None:
    out = tmp_path / "sim"
    result = run_cli("simulate", "--depth", "3", "--epochs", "300", "-o", out, "--quiet")
    assert result.exit_code == 0, result.output
    rows = read_rows(out / "metrics.csv")
    assert {"function", "depth", "params", "epoch", "loss", "epoch_seconds"} <= set(rows[0])
    assert {r["function"] for r in rows} == {"sinc", "sign"}
    assert {r["depth"] for r in rows} == {"3"}
    assert len(rows) == 2 * 300
    summary = read_rows(out / "summary.csv")
    assert [(r["function"], r["depth"], r["params"]) for r in summary] == [("sinc", "3", "593"), ("sign", "3", "593")]
    run = json.loads((out / "run.json").read_text())
    assert run["status"] == "completed" and run["config"]["depth"] == [3] and run["versions"]["torch"]
    for function in ("sinc", "sign"):
        for kind in ("loss", "fit"):
            png = out / f"{kind}_{function}.png"
            assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and png.stat().st_size > 10_000


def test_parameter_budget() -> None:
    assert width_for_budget(1, 571) == 190
    assert count_params(mlp([1, 190, 1])) == 571
    for depth in (4, 7):
        width = width_for_budget(depth, 571)
        params = count_params(mlp([1, *[width] * depth, 1]))
        assert abs(params - 571) / 571 <= 0.03, (depth, width, params)
    assert width_for_budget(7, 571) == 9


def test_same_seed_same_metrics(tmp_path: Path) -> None:
    def metrics(folder: str) -> list[dict[str, str]]:
        result = run_cli("simulate", "--depth", "2", "--function", "sign", "--epochs", "50", "-o", tmp_path / folder, "-q")
        assert result.exit_code == 0, result.output
        return without_timing(read_rows(tmp_path / folder / "metrics.csv"))

    first, second = metrics("a"), metrics("b")
    assert first == second and len(first) == 50
    other = run_cli("simulate", "--depth", "2", "--function", "sign", "--epochs", "50", "--seed", "1", "-o", tmp_path / "c", "-q")
    assert other.exit_code == 0
    assert read_rows(tmp_path / "c" / "metrics.csv")[0]["loss"] != first[0]["loss"]


def test_depth4_fits_sinc_within_3000_epochs() -> None:
    x = grid(300, -1.5, 1.5)
    y = target("sinc", x)
    width = width_for_budget(4, 571)
    model = mlp([1, *[width] * 4, 1], activation="leaky_relu", seed=0)
    fit(model, x, y, optimizer=OptimizerSpec("adam", 1e-3, 1e-4), epochs=3000)
    loss, _ = evaluate(model, x, y)
    assert loss < 0.01


def test_targets_match_definitions() -> None:
    import numpy as np

    x = grid(300, -1.5, 1.5)
    assert torch.allclose(target("sinc", x).squeeze(1), torch.from_numpy(np.sinc(5 * x.squeeze(1).numpy())), atol=1e-6)
    assert set(target("sign", x).unique().tolist()) <= {-1.0, 0.0, 1.0}
    assert x.min() == -1.5 and x.max() < 1.5 and len(x) == 300


def test_seeds_and_convergence_recorded(tmp_path: Path) -> None:
    out = tmp_path / "s"
    result = run_cli(
        "simulate", "--function", "sinc", "--depth", "1", "--seeds", "2", "--epochs", "400",
        "--loss-tol", "0.5", "--change-tol", "1", "-o", out, "-q",
    )
    assert result.exit_code == 0, result.output
    summary = read_rows(out / "summary.csv")
    assert [r["seed"] for r in summary] == ["0", "1"]
    # A loose rule is met at once: after `patience` (3) epochs, and the run stops there.
    assert all(r["converged"] == "true" and r["converged_epoch"] == "3" and r["epochs"] == "3" for r in summary)


@pytest.mark.parametrize("flag", ["--quick"])
def test_quick_preset_is_small(tmp_path: Path, flag: str) -> None:
    result = run_cli("simulate", flag, "-o", tmp_path / "q", "-q")
    assert result.exit_code == 0, result.output
    summary = read_rows(tmp_path / "q" / "summary.csv")
    assert {r["epochs"] for r in summary} == {"300"} and {r["depth"] for r in summary} == {"1", "4"}
    explicit = run_cli("simulate", "--quick", "--epochs", "20", "--depth", "2", "-o", tmp_path / "e", "-q")
    assert explicit.exit_code == 0
    assert {r["epochs"] for r in read_rows(tmp_path / "e" / "summary.csv")} == {"20"}


def test_a_constant_output_still_learning_is_not_collapsed() -> None:
    """Collapsed = constant output AND no progress: a net that still improves at its epoch limit is cut short."""
    improving = [1.0 - 0.001 * e for e in range(300)]  # still falling 3% over the last 30 epochs
    flat = [1.0] * 270 + [1.0 - 1e-5 * e for e in range(30)]
    assert still_learning(improving) and not still_learning(flat)
    assert outcome_of(False, False, True, improving) == "max epochs"
    assert outcome_of(False, False, True, flat) == "collapsed"
    assert outcome_of(False, False, False, flat) == "max epochs"  # a shaped output is no collapse
    assert outcome_of(False, True, False, improving) == "converged"
    assert outcome_of(True, False, True, flat) == "diverged"


def test_notebook_widths_halve_the_ends_within_the_budget() -> None:
    from hw1cli.experiments.simulate.config import hidden_widths

    assert hidden_widths(7, 571, "notebook") == (5, 10, 10, 10, 10, 10, 5)  # the notebooks' net, 571 exactly
    assert count_params(mlp([1, 5, 10, 10, 10, 10, 10, 5, 1])) == 571
    assert hidden_widths(4, 571, "notebook") == (8, 16, 16, 8)  # 577 params: the nearest such shape
    assert hidden_widths(7, 571) == (9,) * 7 and hidden_widths(1, 571, "notebook") == (190,)  # no middle to halve


def test_widths_notebook_run_records_every_layer_and_the_outcomes_per_depth(tmp_path: Path) -> None:
    out = tmp_path / "nb"
    result = run_cli("simulate", "--widths", "notebook", "--depth", "1", "--depth", "7", "--function", "sign",
                     "--epochs", "30", "--points", "50", "--seeds", "2", "-o", out, "-q")
    assert result.exit_code == 0, result.output
    summary = read_rows(out / "summary.csv")
    assert [(r["depth"], r["seed"], r["widths"], r["width"], r["params"]) for r in summary] == [
        ("1", "0", "190", "190", "571"), ("1", "1", "190", "190", "571"),
        ("7", "0", "5-10-10-10-10-10-5", "10", "571"), ("7", "1", "5-10-10-10-10-10-5", "10", "571")]
    outcomes = json.loads((out / "run.json").read_text())["outcomes"]["sign"]
    for depth in ("1", "7"):  # every seed is counted once, under the outcome summary.csv gives it
        mine = [r["outcome"] for r in summary if r["depth"] == depth]
        assert outcomes[depth] == {"seeds": 2, **{o: mine.count(o) for o in set(mine)}}
    bad = run_cli("simulate", "--widths", "pyramid", "-o", tmp_path / "bad")
    assert bad.exit_code == 2 and "--widths" in bad.stderr and not (tmp_path / "bad").exists()
