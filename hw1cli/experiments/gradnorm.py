"""HW1-2 `gradnorm`: the global gradient norm and the loss at every training iteration."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from torch import Tensor, nn

from hw1cli.context import RunContext
from hw1cli.data import DataConfig
from hw1cli.data import load as load_data
from hw1cli.errors import UsageError
from hw1cli.functions import FUNCTIONS, grid, target
from hw1cli.measures import global_grad_norm
from hw1cli.models import cnn_model, count_params, mlp, width_for_budget
from hw1cli.plots import gradnorm as plots
from hw1cli.train import EpochStats, OptimizerSpec, fit
from hw1cli.validate import require_at_least

TASKS = ("sinc", "mnist")


@dataclass(frozen=True)
class GradnormConfig(DataConfig):
    task: str = "sinc"  # sinc: function fitting (full batch); mnist: image minibatches
    function: str = "sinc"  # target for --task sinc
    depth: int = 7  # --task sinc: hidden layers, width solved for --params
    params: int = 571
    points: int = 300
    x_min: float = -1.5
    x_max: float = 1.5
    model: str = "shallow"  # --task mnist: CNN name
    batch_size: int = 64  # --task mnist
    iterations: int = 2000  # optimizer steps
    lr: float = 1e-3  # Adam
    weight_decay: float = 0.0
    seed: int = 0
    device: str = "auto"

    def __post_init__(self) -> None:
        self.check_data()
        if self.task not in TASKS:
            raise UsageError(f"unknown --task {self.task!r}; choose from {', '.join(TASKS)}")
        if self.function not in FUNCTIONS:
            raise UsageError(f"unknown --function {self.function!r}; choose from {', '.join(FUNCTIONS)}")
        require_at_least(self, 1, "depth", "params", "iterations", "batch_size")
        if self.points < 2:
            raise UsageError(f"--points must be >= 2, not {self.points}")
        if self.lr <= 0 or self.weight_decay < 0:
            raise UsageError("--lr must be > 0 and --weight-decay >= 0")
        width_for_budget(self.depth, self.params)

    def unused_options(self) -> list[tuple[str, tuple[str, ...]]]:
        """Options of the other task: given explicitly, they would be silently ignored. (The data options
        stay allowed with --task sinc: `hw1 all` passes them to every experiment that has them.)"""
        if self.task == "sinc":
            return [("--task sinc", ("model", "batch_size"))]
        return [("--task mnist", ("function", "depth", "params", "points", "x_min", "x_max"))]


QUICK: dict[str, Any] = {"iterations": 200, "subset": 1000, "test_subset": 200}
METRIC_COLUMNS = ("task", "model", "params", "iteration", "epoch", "loss", "grad_norm", "epoch_seconds")


def build(cfg: GradnormConfig, ctx: RunContext) -> tuple[nn.Module, str, Tensor, Tensor, int | None]:
    """The model, its label, and the training data for the chosen task."""
    if cfg.task == "sinc":
        x = grid(cfg.points, cfg.x_min, cfg.x_max, ctx.device)
        width = width_for_budget(cfg.depth, cfg.params)
        model = mlp([1, *[width] * cfg.depth, 1], activation="leaky_relu", seed=cfg.seed)
        return model.to(ctx.device), f"mlp depth {cfg.depth} width {width}", x, target(cfg.function, x), None
    data = load_data(cfg, ctx.device, cfg.seed)
    model = cnn_model(cfg.model, data.input_shape, data.num_classes, seed=cfg.seed)
    if cfg.batch_size > len(data.y_train):
        raise UsageError(f"--batch-size {cfg.batch_size} is larger than the training set ({len(data.y_train)})")
    return model.to(ctx.device), cfg.model, data.x_train, data.y_train, cfg.batch_size


def run(cfg: GradnormConfig, ctx: RunContext) -> list[dict[str, Any]]:
    model, label, x, y, batch_size = build(cfg, ctx)
    params = count_params(model)
    ctx.view.say(f"gradnorm on {cfg.task}: {label}, {params} parameters")
    log = ctx.out.metrics_log(METRIC_COLUMNS)
    # Norms and losses stay on the device until the epoch ends: no host sync inside the step loop.
    pending: list[tuple[int, Tensor, Tensor]] = []
    rows: list[dict[str, Any]] = []
    keys = {"task": cfg.task, "model": label, "params": params}

    def on_step(iteration: int, loss: Tensor) -> bool:
        pending.append((iteration, loss, global_grad_norm(model)))
        return iteration >= cfg.iterations

    def on_epoch(stats: EpochStats) -> None:
        for i, (iteration, loss, norm) in enumerate(pending):
            row = {**keys, "iteration": iteration, "epoch": stats.epoch, "loss": float(loss), "grad_norm": float(norm)}
            row["epoch_seconds"] = stats.epoch_seconds if i == len(pending) - 1 else None
            log.write(row)
            rows.append(row)
        pending.clear()

    steps_per_epoch = 1 if batch_size is None else math.ceil(len(y) / batch_size)
    task = ctx.view.task(f"gradnorm {cfg.task}", total=math.ceil(cfg.iterations / steps_per_epoch))
    result = fit(
        model, x, y, optimizer=OptimizerSpec("adam", cfg.lr, cfg.weight_decay),
        epochs=math.ceil(cfg.iterations / steps_per_epoch), batch_size=batch_size, seed=cfg.seed,
        on_step=on_step, on_epoch=on_epoch, task=task,
    )
    log.close()
    ctx.out.save_figure(plots.gradnorm_figure(rows, f"{cfg.task} ({label}, {params} params)"), "gradnorm.png")
    norms = [r["grad_norm"] for r in rows]
    summary = [{
        **keys, "iterations": len(rows), "final_loss": rows[-1]["loss"] if rows else None,
        "final_grad_norm": norms[-1] if norms else None, "max_grad_norm": max(norms, default=None),
        "min_grad_norm": min(norms, default=None),
        "status": "diverged" if result.status == "diverged" else "completed",
    }]
    ctx.out.write_csv("summary.csv", summary)
    return summary
