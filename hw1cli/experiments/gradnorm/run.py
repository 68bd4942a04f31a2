"""HW1-2 `gradnorm`: the global gradient norm and the loss at every training iteration.

--task sinc trains full batch, so each step's gradient is the full gradient. --task mnist trains on minibatches
of --batch-size (BatchNorm in train mode): each step's numbers are that minibatch's, a noisy sample of the
full gradient; every --full-every steps the exact full-training-set gradient norm and loss are measured as
well (eval mode, the parameters and .grad untouched), so both show in one figure.
"""

from __future__ import annotations

import math
from typing import Any

from torch import Tensor, nn

from hw1cli.configs.sizes import width_for_budget
from hw1cli.context import RunContext
from hw1cli.data import load as load_data
from hw1cli.errors import UsageError
from hw1cli.experiments.gradnorm import plots
from hw1cli.experiments.gradnorm.config import GradnormConfig
from hw1cli.functions import grid, target
from hw1cli.measures import full_loss_and_grad_norm, global_grad_norm
from hw1cli.models import cnn_model, count_params, mlp
from hw1cli.training import EpochStats, OptimizerSpec, fit

# loss, grad_norm: of the batch the step trained on (the full batch for sinc, a minibatch for mnist), before
# its update. full_loss, full_grad_norm (mnist, every --full-every steps): the same state's loss and gradient
# norm over the whole training set, eval mode.
METRIC_COLUMNS = (
    "task", "model", "params", "iteration", "epoch", "loss", "grad_norm", "full_loss", "full_grad_norm", "epoch_seconds",
)


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
    log = ctx.out.metrics_log(METRIC_COLUMNS, keys=("iteration",))
    # Norms and losses stay on the device until the epoch ends: no host sync inside the step loop.
    pending: list[tuple[int, Tensor, Tensor, tuple[Tensor, Tensor] | None]] = []
    rows: list[dict[str, Any]] = []
    keys = {"task": cfg.task, "model": label, "params": params}
    full_every = cfg.full_every if batch_size is not None else 0  # full batch: the step's gradient is the full one

    def on_step(iteration: int, loss: Tensor) -> bool:
        full = None
        if full_every and (iteration - 1) % full_every == 0:  # the state before this step's update, as `loss`
            full = full_loss_and_grad_norm(model, x, y)
        pending.append((iteration, loss, global_grad_norm(model), full))
        return iteration >= cfg.iterations

    def on_epoch(stats: EpochStats) -> None:
        for i, (iteration, loss, norm, full) in enumerate(pending):
            row = {**keys, "iteration": iteration, "epoch": stats.epoch, "loss": float(loss), "grad_norm": float(norm),
                   "full_loss": float(full[0]) if full else None, "full_grad_norm": float(full[1]) if full else None}
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
    gradient = "full batch" if batch_size is None else f"minibatch of {batch_size}"
    ctx.out.save_figure(plots.gradnorm_figure(rows, f"{cfg.task} ({label}, {params} params)", batch_size), "gradnorm.png")
    norms = [r["grad_norm"] for r in rows]
    summary = [{
        **keys, "gradient": gradient, "iterations": len(rows), "final_loss": rows[-1]["loss"] if rows else None,
        "final_grad_norm": norms[-1] if norms else None, "max_grad_norm": max(norms, default=None),
        "min_grad_norm": min(norms, default=None),
        "status": "diverged" if result.status == "diverged" else "completed",
    }]
    ctx.out.write_csv("summary.csv", summary)
    return summary
