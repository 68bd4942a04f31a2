"""HW1-3 `sensitivity`: flatness vs generalization, part 2 — batch size vs sensitivity and sharpness.

One model per batch size, all from the same initialisation with the same optimizer and epochs (so larger
batches take fewer steps). Per model: train/test loss and accuracy, sensitivity (Novak et al. 2018: mean
‖∂softmax(f(x))/∂x‖_F over the test set) and sharpness (Keskar et al. 2017, on the training loss).
"""

from __future__ import annotations

import math
import time
from typing import Any

from torch import nn

from hw1cli.configs.sensitivity import SensitivityConfig
from hw1cli.context import RunContext
from hw1cli.data import Dataset, load
from hw1cli.files import CsvLog
from hw1cli.measures import sensitivity, sharpness
from hw1cli.models import classifier, count_params, describe_classifier
from hw1cli.plots import sensitivity as plots
from hw1cli.training import EpochEvaluations, EpochStats, OptimizerSpec, check_fit_arguments, fit, log_epochs

METRIC_COLUMNS = (
    "batch_size", "epoch", "steps", "train_loss", "train_acc", "test_loss", "test_acc", "epoch_seconds",
)


def build_model(cfg: SensitivityConfig, data: Dataset) -> nn.Module:
    """Every batch size starts from this same initialisation (cfg.seed)."""
    return classifier(cfg.model, cfg.hidden, data.input_shape, data.num_classes, cfg.seed)


def run(cfg: SensitivityConfig, ctx: RunContext) -> list[dict[str, Any]]:
    data = load(cfg, ctx.device, cfg.seed)
    batch_sizes = usable_batch_sizes(cfg, ctx, len(data.y_train))
    # With --resume, epochs already in metrics.csv are not logged again (the checkpoints replay them).
    log = ctx.out.metrics_log(METRIC_COLUMNS, keys=("batch_size", "epoch"))
    rows: list[dict[str, Any]] = []
    task = ctx.view.task("batch sizes", total=len(batch_sizes))
    for batch_size in batch_sizes:
        rows.append(train_and_measure(cfg, ctx, data, batch_size, log))
        ctx.out.write_csv("summary.csv", rows)  # after every model, so a kill loses at most one
        task.advance()
    task.finish()
    log.close()
    model = describe_classifier(cfg.model, cfg.hidden, data.input_shape, data.num_classes)
    title = (f"{cfg.dataset}, {model}, Adam lr {cfg.lr:g}, {cfg.epochs} epochs for every batch size "
             "(larger batches take fewer steps)")
    ctx.out.save_figure(plots.measures_vs_batch_size(rows, title, cfg.epsilon), "sensitivity.png")
    return rows


def usable_batch_sizes(cfg: SensitivityConfig, ctx: RunContext, examples: int) -> tuple[int, ...]:
    """The batch sizes to train. The spec's default list keeps those the training set can fill (4096 on the
    1,437 offline digits cannot); sizes the user chose are checked, and refused before anything trains."""
    sizes = cfg.batch_sizes
    if sizes == SensitivityConfig.batch_sizes and max(sizes) > examples:
        dropped = [b for b in sizes if b > examples]
        sizes = tuple(b for b in sizes if b <= examples)
        ctx.view.say(f"default batch sizes {dropped} exceed the {examples} training images: left out")
    for batch_size in sizes:
        check_fit_arguments(cfg.epochs, batch_size, examples)
    return sizes


def train_and_measure(
    cfg: SensitivityConfig, ctx: RunContext, data: Dataset, batch_size: int, log: CsvLog
) -> dict[str, Any]:
    model = build_model(cfg, data).to(ctx.device)
    steps_per_epoch = math.ceil(len(data.x_train) / batch_size)
    ctx.view.say(f"batch size {batch_size}: {count_params(model)} parameters, {steps_per_epoch * cfg.epochs} steps")

    evaluations = EpochEvaluations(model, data)

    def measure(stats: EpochStats) -> dict[str, Any]:
        train_loss, train_acc, test_loss, test_acc = evaluations.at(stats.epoch)
        return {
            "steps": stats.epoch * steps_per_epoch,
            "train_loss": train_loss, "train_acc": train_acc, "test_loss": test_loss, "test_acc": test_acc,
            "epoch_seconds": stats.epoch_seconds,
        }

    task = ctx.view.task(f"batch size {batch_size}", total=cfg.epochs)
    result = fit(
        model, data.x_train, data.y_train, optimizer=OptimizerSpec("adam", cfg.lr), epochs=cfg.epochs,
        batch_size=batch_size, seed=cfg.seed, on_epoch=log_epochs(log, {"batch_size": batch_size}, measure), task=task,
        checkpoint=ctx.out.checkpoint_path(f"batch_{batch_size}"),
    )
    task.finish()
    train_loss, train_acc, test_loss, test_acc = evaluations.final(result)
    row: dict[str, Any] = {
        "batch_size": batch_size, "params": count_params(model), "epochs": result.epochs,
        "steps": result.epochs * steps_per_epoch, "train_loss": train_loss, "train_acc": train_acc,
        "test_loss": test_loss, "test_acc": test_acc,
        "train_seconds": sum(h.epoch_seconds for h in result.history),
    }
    if result.status == "diverged":  # a non-finite model has no meaningful sensitivity or sharpness
        return {**row, "sensitivity": None, "sharpness": None, "status": "diverged"}
    started = time.perf_counter()
    row["sensitivity"] = sensitivity(model, data.x_test)
    row["sensitivity_seconds"] = time.perf_counter() - started
    started = time.perf_counter()
    row["sharpness"] = sharpness(model, data.x_train, data.y_train, epsilon=cfg.epsilon, steps=cfg.sharpness_steps)
    row["sharpness_seconds"] = time.perf_counter() - started
    return {**row, "status": "completed"}
