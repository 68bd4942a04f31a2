"""hw1 gradnorm records the true global gradient norm of the full-batch loss at every iteration."""

from __future__ import annotations

from pathlib import Path

import pytest
import torch
from conftest import read_rows, run_cli

from hw1cli.configs.data import DataConfig
from hw1cli.configs.sizes import width_for_budget
from hw1cli.data import load
from hw1cli.experiments.gradnorm.plots import gradnorm_figure
from hw1cli.functions import grid, target
from hw1cli.measures import full_loss_and_grad_norm
from hw1cli.models import cnn_model, mlp
from hw1cli.runtime import generator
from hw1cli.training.batches import batch_indices


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


def test_labels_say_which_gradient_was_measured() -> None:
    """mnist steps measure a minibatch's gradient (BatchNorm in train mode), sinc steps the full batch."""
    rows = [{"iteration": i, "loss": 1.0 / i, "grad_norm": 2.0 / i, "full_loss": 0.9 / i if i % 2 else None,
             "full_grad_norm": 1.5 / i if i % 2 else None} for i in range(1, 6)]
    texts = [t.get_text() for ax in gradnorm_figure(rows, "mnist", 64).axes for t in ax.get_legend().get_texts()]
    assert any("minibatch of 64, BatchNorm in train mode" in t for t in texts)
    assert any("full training set" in t for t in texts)
    sinc = [{k: v for k, v in r.items() if not k.startswith("full")} for r in rows]
    texts = [t.get_text() for ax in gradnorm_figure(sinc, "sinc").axes for t in ax.get_legend().get_texts()]
    assert texts and all("full batch" in t for t in texts)


def test_mnist_task_also_measures_the_full_training_set_gradient(tmp_path: Path) -> None:
    """Every --full-every steps, the exact full-set loss and ‖∇L‖ (eval mode) of the state before that step."""
    out = tmp_path / "gm"
    args = ("gradnorm", "--task", "mnist", "--dataset", "digits", "--iterations", "12", "--full-every", "5")
    result = run_cli(*args, "--device", "cpu", "-o", out, "-q")
    assert result.exit_code == 0, result.output
    rows = read_rows(out / "metrics.csv")
    assert [r["iteration"] for r in rows if r["full_grad_norm"]] == ["1", "6", "11"]
    assert read_rows(out / "summary.csv")[0]["gradient"] == "minibatch of 64"
    data = load(DataConfig(dataset="digits"), torch.device("cpu"), 0)
    model = cnn_model("shallow", data.input_shape, data.num_classes, seed=0)  # the untrained start: iteration 1
    # step 1's forward pass (train mode) has already moved BatchNorm's running statistics: replay it
    first = batch_indices(len(data.y_train), 64, generator(0, torch.device("cpu")), torch.device("cpu"))[0]
    model.train()(data.x_train[first])
    loss, norm = full_loss_and_grad_norm(model, data.x_train, data.y_train)
    assert float(rows[0]["full_grad_norm"]) == pytest.approx(float(norm), rel=1e-4)
    assert float(rows[0]["full_loss"]) == pytest.approx(float(loss), rel=1e-5)
    assert float(rows[0]["full_grad_norm"]) != pytest.approx(float(rows[0]["grad_norm"]), rel=1e-2)  # not the minibatch's
