"""hw1 gradnorm records the true global gradient norm of the full-batch loss at every iteration."""

from __future__ import annotations

from pathlib import Path

import torch
from conftest import read_rows, run_cli

from hw1cli.configs.sizes import width_for_budget
from hw1cli.functions import grid, target
from hw1cli.models import mlp


def test_recorded_norm_equals_independent_computation(tmp_path: Path) -> None:
    out = tmp_path / "gn"
    result = run_cli("gradnorm", "--iterations", "25", "-o", out, "-q")
    assert result.exit_code == 0, result.output
    rows = read_rows(out / "metrics.csv")
    assert [int(r["iteration"]) for r in rows] == list(range(1, 26))

    # Replay the same training by hand: same init seed, same optimizer, full batch.
    x = grid(300, -1.5, 1.5)
    y = target("sinc", x)
    width = width_for_budget(7, 571)
    model = mlp([1, *[width] * 7, 1], activation="leaky_relu", seed=0)
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)
    for row in rows:
        loss = torch.nn.functional.mse_loss(model(x), y)
        grads = torch.autograd.grad(loss, list(model.parameters()))
        expected = torch.cat([g.reshape(-1) for g in grads]).norm().item()
        assert abs(float(row["grad_norm"]) - expected) <= 1e-6 * max(expected, 1e-12) + 1e-9
        assert abs(float(row["loss"]) - loss.item()) <= 1e-7
        for p, g in zip(model.parameters(), grads):
            p.grad = g
        opt.step()


def test_gradnorm_figure_and_summary(tmp_path: Path) -> None:
    out = tmp_path / "gn"
    result = run_cli("gradnorm", "--quick", "-o", out, "-q")
    assert result.exit_code == 0, result.output
    assert (out / "gradnorm.png").stat().st_size > 10_000
    summary = read_rows(out / "summary.csv")[0]
    assert summary["iterations"] == "200" and float(summary["final_grad_norm"]) > 0


def test_mnist_task_counts_iterations_across_epochs(tmp_path: Path) -> None:
    """--task mnist: one row per minibatch step, exactly --iterations of them, spanning epochs."""
    out = tmp_path / "gm"
    result = run_cli("gradnorm", "--task", "mnist", "--dataset", "digits", "--iterations", "30", "-o", out, "-q")
    assert result.exit_code == 0, result.output
    rows = read_rows(out / "metrics.csv")
    assert [int(r["iteration"]) for r in rows] == list(range(1, 31))
    assert {r["epoch"] for r in rows} == {"1", "2"}  # 1,437 digits / batch 64 = 23 steps an epoch
    assert rows[0]["model"] == "shallow" and all(float(r["grad_norm"]) > 0 for r in rows)
    assert sum(1 for r in rows if r["epoch_seconds"]) == 2  # each epoch's time on its last step
