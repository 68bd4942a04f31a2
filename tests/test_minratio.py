"""`hw1 minratio` end to end on CPU, and its one-line usage errors."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from conftest import read_rows, run_cli


def test_minratio_quick_writes_summary_eigenvalues_and_figure(tmp_path: Path) -> None:
    out = tmp_path / "minratio"
    result = run_cli(
        "minratio", "--quick", "--runs", "3", "--hidden", "4", "--hidden", "4", "--warmup-epochs", "100",
        "--max-grad-steps", "20", "--device", "cpu", "-o", out, "--quiet",
    )
    assert result.exit_code == 0, result.output
    for name in ("summary.csv", "eigenvalues.csv", "metrics.csv", "minratio_vs_loss.png", "run.json"):
        assert (out / name).stat().st_size > 0, name
    rows = read_rows(out / "summary.csv")
    params = 1 * 4 + 4 + 4 * 4 + 4 + 4 + 1  # 1->4->4->1
    assert len(rows) == 3 and all(r["params"] == str(params) for r in rows)
    for r in rows:
        assert 0 <= float(r["minimal_ratio"]) <= 1
        assert float(r["min_eigenvalue"]) <= float(r["max_eigenvalue"])
        assert (r["reached_tol"] == "true") == (float(r["grad_norm"]) < 1e-3)
        assert int(r["grad_steps"]) <= 20
    assert len(read_rows(out / "eigenvalues.csv")) == 3 * params
    assert json.loads((out / "run.json").read_text())["runs"] == 3


@pytest.mark.parametrize(
    "args, message",
    [(["--runs", "0"], "--runs must be >= 1"), (["--grad-tol", "0"], "--grad-tol must be > 0"),
     (["--activation", "gelu"], "--activation"), (["--x-min", "2"], "--x-min"),
     (["--eig-tol", "0"], "--eig-tol must be > 0"), (["--min-grad-steps", "-1"], "--min-grad-steps must be >= 0")],
)
def test_minratio_bad_values_exit_2_with_one_line(tmp_path: Path, args: list[str], message: str) -> None:
    result = run_cli("minratio", "-o", tmp_path / "bad", *args)
    assert result.exit_code == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and message in lines[0]


SMALL = ("minratio", "--runs", "2", "--hidden", "4", "--hidden", "4", "--points", "50", "--device", "cpu", "--quiet")


def minratio_rows(out: Path, *args: str) -> tuple[list[dict[str, str]], list[dict[str, str]]]:
    result = run_cli(*SMALL, *args, "-o", out)
    assert result.exit_code == 0, result.output
    return read_rows(out / "metrics.csv"), read_rows(out / "summary.csv")


def row(metrics: list[dict[str, str]], run: int, phase: str, epoch: int) -> dict[str, str]:
    (found,) = [r for r in metrics if (r["run"], r["phase"], r["epoch"]) == (str(run), phase, str(epoch))]
    return found


def test_metrics_row_k_is_the_state_after_k_updates(tmp_path: Path) -> None:
    """Training is deterministic, so a shorter run's summary is the longer run's state at that step."""
    tight = ("--grad-tol", "1e-12")  # nobody stops early: every run takes all 3 ‖∇L‖² steps
    metrics, summary = minratio_rows(tmp_path / "long", "--warmup-epochs", "100", "--log-every", "50",
                                     "--max-grad-steps", "3", *tight)
    _, warm50 = minratio_rows(tmp_path / "w50", "--warmup-epochs", "50", "--max-grad-steps", "0")
    _, grad2 = minratio_rows(tmp_path / "g2", "--warmup-epochs", "100", "--max-grad-steps", "2", *tight)
    for k in (0, 1):
        # the warm-up row "50" is the loss after 50 MSE steps (it was the loss after 49)
        assert float(row(metrics, k, "warmup", 50)["loss"]) == pytest.approx(float(warm50[k]["warmup_loss"]), rel=1e-9)
        assert float(row(metrics, k, "warmup", 50)["loss"]) != pytest.approx(float(row(metrics, k, "warmup", 0)["loss"]))
        # the grad row "2" is the state after 2 ‖∇L‖² steps, loss included
        two = row(metrics, k, "grad", 2)
        assert float(two["grad_norm"]) == pytest.approx(float(grad2[k]["grad_norm"]), rel=1e-9)
        assert float(two["loss"]) == pytest.approx(float(grad2[k]["loss"]), rel=1e-9)
        assert float(row(metrics, k, "grad", 1)["grad_norm"]) != pytest.approx(float(two["grad_norm"]), rel=1e-6)
        # each phase ends on the run's final state, equal to summary.csv's numbers (missed tolerance too)
        mine = [r for r in metrics if r["run"] == str(k)]
        assert [(r["phase"], r["epoch"]) for r in mine] == [
            ("warmup", "0"), ("warmup", "50"), ("warmup", "100"), ("grad", "0"), ("grad", "1"), ("grad", "2"), ("grad", "3")]
        assert summary[k]["reached_tol"] == "false" and summary[k]["grad_steps"] == "3"
        assert mine[2]["loss"] == summary[k]["warmup_loss"] == mine[3]["loss"]
        assert (mine[-1]["loss"], mine[-1]["grad_norm"]) == (summary[k]["loss"], summary[k]["grad_norm"])
        assert all(r["loss"] for r in mine) and all(r["grad_norm"] for r in mine[2:])


def test_a_run_with_no_gradient_steps_has_one_grad_row_at_epoch_0(tmp_path: Path) -> None:
    metrics, summary = minratio_rows(tmp_path / "zero", "--warmup-epochs", "20", "--grad-tol", "10", "--min-grad-steps", "0")
    for k in (0, 1):
        assert summary[k]["grad_steps"] == "0" and summary[k]["reached_tol"] == "true"
        (only,) = [r for r in metrics if r["run"] == str(k) and r["phase"] == "grad"]
        assert (only["epoch"], only["loss"], only["grad_norm"]) == ("0", summary[k]["loss"], summary[k]["grad_norm"])
        assert only["loss"] == summary[k]["warmup_loss"]  # no step taken: still the warm-up's final state


def test_every_run_takes_both_phases_even_when_the_loss_phase_met_the_tolerance(tmp_path: Path) -> None:
    """The protocol is loss phase, then ‖∇L‖² phase: a tolerance the warm-up already met still gets
    --min-grad-steps of ‖∇L‖² descent, and summary.csv reports both phases' steps."""
    metrics, summary = minratio_rows(tmp_path / "both", "--warmup-epochs", "20", "--grad-tol", "10", "--min-grad-steps", "4")
    for k in (0, 1):
        assert float(summary[k]["warmup_grad_norm"]) < 10  # the loss phase alone was below the tolerance
        assert (summary[k]["warmup_steps"], summary[k]["grad_steps"], summary[k]["reached_tol"]) == ("20", "4", "true")
        grad_rows = [r["epoch"] for r in metrics if r["run"] == str(k) and r["phase"] == "grad"]
        assert grad_rows == ["0", "1", "2", "3", "4"]


def test_quick_defaults_run_both_phases_in_every_converged_run(tmp_path: Path) -> None:
    out = tmp_path / "quick"
    result = run_cli("minratio", "--quick", "--runs", "4", "--device", "cpu", "-o", out, "--quiet")
    assert result.exit_code == 0, result.output
    converged = [r for r in read_rows(out / "summary.csv") if r["reached_tol"] == "true"]
    assert converged  # the quick preset reaches the tolerance
    for r in converged:
        assert int(r["warmup_steps"]) == 300 and int(r["grad_steps"]) >= 10


def test_strict_and_tolerant_ratio_and_relative_min_eigenvalue_follow_the_eigenvalues(tmp_path: Path) -> None:
    """Recomputed from eigenvalues.csv: strict counts λ > 0; the tolerant ratio counts |λ| <= tol·max|λ| as zero."""
    tol = 1e-3
    _, summary = minratio_rows(tmp_path / "tol", "--warmup-epochs", "100", "--max-grad-steps", "5", "--eig-tol", str(tol))
    eigen = read_rows(tmp_path / "tol" / "eigenvalues.csv")
    for k in (0, 1):
        values = [float(r["eigenvalue"]) for r in eigen if r["run"] == str(k)]
        scale = max(abs(v) for v in values)
        assert float(summary[k]["minimal_ratio"]) == pytest.approx(sum(v > 0 for v in values) / len(values))
        tolerant = sum(v > tol * scale for v in values) / len(values)
        assert float(summary[k]["minimal_ratio_tol"]) == pytest.approx(tolerant)
        assert int(summary[k]["near_zero_eigenvalues"]) == sum(abs(v) <= tol * scale for v in values)
        assert float(summary[k]["min_eigenvalue_relative"]) == pytest.approx(min(values) / scale)
        # small nets at near-critical points have tiny eigenvalues, so the two ratios differ
        assert float(summary[k]["minimal_ratio_tol"]) < float(summary[k]["minimal_ratio"])
        positive, negative = sum(v > tol * scale for v in values), sum(v < -tol * scale for v in values)
        assert float(summary[k]["ratio_nonnegligible"]) == pytest.approx(positive / (positive + negative))


def test_nonnegligible_ratio_leaves_the_near_zero_eigenvalues_out() -> None:
    import torch

    from hw1cli.experiments.minratio.run import nonnegligible_ratio
    from hw1cli.measures import minimal_ratio

    eig = torch.tensor([[-5.0, -1e-6, 1e-7, 2.0, 3.0, 10.0], [1e-9, -1e-9, 0.0, 1.0, 2.0, 3.0]], dtype=torch.float64)
    assert nonnegligible_ratio(eig, 1e-3).tolist() == [0.75, 1.0]  # 3 of 4, and 3 of 3: tiny ones do not count
    assert minimal_ratio(eig, 1e-3).tolist() == [0.5, 0.5]  # the tolerant ratio keeps them in its denominator
    assert minimal_ratio(eig).tolist() == pytest.approx([4 / 6, 4 / 6])


def test_warmup_trains_the_runs_as_one_stack_close_to_each_run_alone(tmp_path: Path) -> None:
    """The MSE warm-up is one stacked fit of all runs: summary's warm-up loss is that stack's, bit for bit, and
    within float tolerance of each run trained alone (only the batched products' rounding differs)."""
    import torch
    import torch.nn.functional as F

    from hw1cli.functions import grid, target
    from hw1cli.measures import stacked_loss_and_grad_norm
    from hw1cli.models import mlp
    from hw1cli.runtime import single_thread
    from hw1cli.training import OptimizerSpec, fit, fit_ensemble

    out = tmp_path / "stack"
    # 10 units and 100 points: sizes where a batched product rounds differently from a single one on this
    # project's AMD EPYC VM, so that a warm-up run by run would fail the first assertion below
    result = run_cli("minratio", "--runs", "2", "--points", "100", "--warmup-epochs", "40", "--max-grad-steps", "0",
                     "--device", "cpu", "--quiet", "-o", out)
    assert result.exit_code == 0, result.output
    summary = read_rows(out / "summary.csv")
    x = grid(100, -1.5, 1.5, torch.device("cpu")).double()
    y = target("sinc", x)
    adam = OptimizerSpec("adam", 1e-2)
    with single_thread(True):  # as minratio runs: the same kernels, the same rounding
        nets = [mlp([1, 10, 10, 1], "tanh", seed=s).double() for s in (0, 1)]
        ens = fit_ensemble(nets, x, y, optimizer=adam, epochs=40, seeds=[0, 1], stacked=True).ensemble
        stacked_loss, _ = stacked_loss_and_grad_norm(ens.template, ens.params, ens.buffers, x, y)
        for k in (0, 1):
            assert float(summary[k]["warmup_loss"]) == stacked_loss[k].item()
            alone = mlp([1, 10, 10, 1], "tanh", seed=k).double()
            fit(alone, x, y, optimizer=adam, epochs=40, seed=k)
            with torch.no_grad():
                assert float(summary[k]["warmup_loss"]) == pytest.approx(F.mse_loss(alone(x), y).item(), rel=1e-9)
