"""HW1-1 `mnist`: shallow vs deep CNNs of equal size (plus LeNet and the notebooks' CNN) on a real task."""

from __future__ import annotations

import time
from typing import Any

from torch import nn

from hw1cli.configs.mnist import MnistConfig
from hw1cli.context import RunContext
from hw1cli.data import Dataset, load
from hw1cli.files import CsvLog
from hw1cli.models import cnn_model, count_params
from hw1cli.plots import mnist as plots
from hw1cli.training import EpochStats, OptimizerSpec, check_fit_arguments, evaluate_sets, fit, log_epochs

# running_* are the means over the epoch's minibatches while training (dropout on, weights moving);
# train_*/test_* are measured after the epoch, in eval mode, over the whole set.
METRIC_COLUMNS = (
    "model", "params", "epoch", "running_loss", "running_acc", "train_loss", "train_acc", "test_loss", "test_acc",
    "epoch_seconds", "eval_seconds",
)
FINAL_COLUMNS = ("running_loss", "running_acc", "train_loss", "train_acc", "test_loss", "test_acc")


def run(cfg: MnistConfig, ctx: RunContext) -> list[dict[str, Any]]:
    data = load(cfg, ctx.device, cfg.seed)
    check_fit_arguments(cfg.epochs, cfg.batch_size, len(data.y_train))  # before any note or training
    ctx.view.say(
        f"{cfg.dataset}: {len(data.y_train)} training and {len(data.y_test)} test images of shape {data.input_shape}"
    )
    # With --resume, rows logged before the kill stay; the checkpoint replays at most the epoch after them.
    log = ctx.out.metrics_log(METRIC_COLUMNS, keys=("model", "epoch"))
    sizes: dict[str, int] = {}
    statuses: dict[str, tuple[str, int]] = {}
    for name in cfg.model:
        model = cnn_model(name, data.input_shape, data.num_classes, seed=cfg.seed).to(ctx.device)
        sizes[name] = count_params(model)
        ctx.view.say(f"{name}: {sizes[name]:,} parameters")
        statuses[name] = train_model(cfg, ctx, name, model, data, log)
    log.close()
    rows = ctx.out.read_csv("metrics.csv")
    summary = [summarize(cfg, name, sizes[name], rows, *statuses[name]) for name in cfg.model]
    ctx.out.write_csv("summary.csv", summary)
    curves = plots.by_model(rows)
    ctx.out.save_figure(plots.loss_curves(curves, sizes, cfg.dataset), "loss.png")
    ctx.out.save_figure(plots.accuracy_curves(curves, sizes, cfg.dataset), "accuracy.png")
    return summary


def train_model(
    cfg: MnistConfig, ctx: RunContext, name: str, model: nn.Module, data: Dataset, log: CsvLog
) -> tuple[str, int]:
    """Fit one model, logging its running and eval-mode numbers per epoch; returns (status, epochs done)."""
    params = count_params(model)

    def measure(stats: EpochStats) -> dict[str, Any]:
        started = time.perf_counter()
        train_loss, train_acc, test_loss, test_acc = evaluate_sets(model, data)  # evaluate syncs: the timing is real
        return {
            "running_loss": stats.running_loss, "running_acc": stats.running_acc,
            "train_loss": train_loss, "train_acc": train_acc, "test_loss": test_loss, "test_acc": test_acc,
            "epoch_seconds": stats.epoch_seconds, "eval_seconds": time.perf_counter() - started,
        }

    record = log_epochs(log, {"model": name, "params": params}, measure)

    task = ctx.view.task(f"{name} ({params:,} params)", total=cfg.epochs)
    result = fit(
        model, data.x_train, data.y_train,
        optimizer=OptimizerSpec(cfg.optimizer, cfg.lr, momentum=cfg.momentum),  # adam ignores momentum
        epochs=cfg.epochs, batch_size=cfg.batch_size, seed=cfg.seed, on_epoch=record, task=task,
        checkpoint=ctx.out.checkpoint_path(name),  # a few MB at most, saved once per epoch
    )
    task.finish()
    return result.status, result.epochs


def summarize(cfg: MnistConfig, name: str, params: int, rows: list[dict[str, str]], status: str, epochs: int) -> dict[str, Any]:
    """One summary row: the model's size, its numbers after the last epoch, and the time its training took."""
    mine = [r for r in rows if r["model"] == name]
    last = mine[-1] if mine else {}
    return {
        "dataset": cfg.dataset, "model": name, "params": params, "epochs": epochs,
        **{c: float(last[c]) if last.get(c) else None for c in FINAL_COLUMNS},
        "best_test_acc": max((float(r["test_acc"]) for r in mine), default=None),
        "train_seconds": sum(float(r["epoch_seconds"]) for r in mine),
        "status": "diverged" if status == "diverged" else "completed",
    }
