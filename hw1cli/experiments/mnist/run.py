"""HW1-1 `mnist`: shallow vs deep CNNs of equal size (plus LeNet and the notebooks' CNN) on a real task."""

from __future__ import annotations

import time
from typing import Any

from torch import nn

from hw1cli.context import RunContext
from hw1cli.data import Dataset, load
from hw1cli.experiments.mnist import plots
from hw1cli.experiments.mnist.config import MnistConfig
from hw1cli.files import CsvLog
from hw1cli.models import cnn_model, count_params
from hw1cli.training import EpochStats, OptimizerSpec, check_fit_arguments, evaluate_sets, fit, log_epochs, predict

# running_* are the means over the epoch's minibatches while training (dropout on, weights moving);
# train_*/test_* are measured after the epoch, in eval mode, over the whole set.
METRIC_COLUMNS = (
    "model", "seed", "params", "epoch", "running_loss", "running_acc", "train_loss", "train_acc", "test_loss", "test_acc",
    "epoch_seconds", "eval_seconds",
)
FINAL_COLUMNS = ("running_loss", "running_acc", "train_loss", "train_acc", "test_loss", "test_acc")
# test_correct.csv: every test image's correctness (1/0) after the last epoch, per model and seed. All models see
# the same images, so their errors are paired: the claims' paired SE / McNemar test need this, not two binomials.
CORRECT_COLUMNS = ("model", "seed", "image", "correct")


def run(cfg: MnistConfig, ctx: RunContext) -> list[dict[str, Any]]:
    data = load(cfg, ctx.device, cfg.seed)
    check_fit_arguments(cfg.epochs, cfg.batch_size, len(data.y_train))  # before any note or training
    ctx.view.say(
        f"{cfg.dataset}: {len(data.y_train)} training and {len(data.y_test)} test images of shape {data.input_shape}"
    )
    # With --resume, rows logged before the kill stay; the checkpoint replays at most the epoch after them.
    log = ctx.out.metrics_log(METRIC_COLUMNS, keys=("model", "seed", "epoch"))
    sizes: dict[str, int] = {}
    statuses: dict[tuple[str, int], tuple[str, int]] = {}
    correct: list[dict[str, Any]] = []
    seeds = [cfg.seed + i for i in range(cfg.seeds)]
    ctx.view.expect(len(cfg.model) * len(seeds))  # the bars say "model k/N"
    for name in cfg.model:
        for seed in seeds:
            model = cnn_model(name, data.input_shape, data.num_classes, seed=seed).to(ctx.device)
            sizes[name] = count_params(model)
            ctx.view.say(f"{name}: {sizes[name]:,} parameters, seed {seed}")
            statuses[(name, seed)] = train_model(cfg, ctx, name, seed, model, data, log)
            correct.extend(correct_rows(name, seed, model, data))
    log.close()
    ctx.out.write_csv("test_correct.csv", correct, CORRECT_COLUMNS)
    rows = ctx.out.read_csv("metrics.csv")
    summary = [summarize(cfg, name, seed, sizes[name], rows, len(data.y_test), *statuses[(name, seed)])
               for name in cfg.model for seed in seeds]
    ctx.out.write_csv("summary.csv", summary)
    # The curves are the first seed's; the title says so when there are more (summary.csv has every seed).
    curves = plots.by_model([r for r in rows if int(r["seed"]) == cfg.seed])
    note = f", seed {cfg.seed} (the first of {cfg.seeds})" if cfg.seeds > 1 else ""
    ctx.out.save_figure(plots.loss_curves(curves, sizes, cfg.dataset + note), "loss.png")
    ctx.out.save_figure(plots.accuracy_curves(curves, sizes, cfg.dataset + note), "accuracy.png")
    return summary


def train_model(
    cfg: MnistConfig, ctx: RunContext, name: str, seed: int, model: nn.Module, data: Dataset, log: CsvLog
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

    record = log_epochs(log, {"model": name, "seed": seed, "params": params}, measure)

    task = ctx.view.task(f"{name} ({params:,} params, seed {seed})", total=cfg.epochs)
    result = fit(
        model, data.x_train, data.y_train,
        optimizer=OptimizerSpec(cfg.optimizer, cfg.lr, momentum=cfg.momentum),  # adam ignores momentum
        epochs=cfg.epochs, batch_size=cfg.batch_size, seed=seed, on_epoch=record, task=task,
        checkpoint=ctx.out.checkpoint_path(f"{name}_seed{seed}"),  # a few MB at most, saved once per epoch
    )
    task.finish()
    return result.status, result.epochs


def correct_rows(name: str, seed: int, model: nn.Module, data: Dataset) -> list[dict[str, Any]]:
    """Whether the trained model classifies each test image right (eval mode), image = index in data.x_test."""
    hits = (predict(model, data.x_test).argmax(dim=1) == data.y_test).int().tolist()
    return [{"model": name, "seed": seed, "image": i, "correct": c} for i, c in enumerate(hits)]


def summarize(
    cfg: MnistConfig, name: str, seed: int, params: int, rows: list[dict[str, str]], test_images: int, status: str,
    epochs: int,
) -> dict[str, Any]:
    """One summary row per model and seed: its size, its numbers after the last epoch, the time its training took,
    and the test set's size (the claims' binomial standard error of test accuracy needs it)."""
    mine = [r for r in rows if r["model"] == name and int(r["seed"]) == seed]
    last = mine[-1] if mine else {}
    return {
        "dataset": cfg.dataset, "model": name, "seed": seed, "params": params, "epochs": epochs,
        **{c: float(last[c]) if last.get(c) else None for c in FINAL_COLUMNS},
        "best_test_acc": max((float(r["test_acc"]) for r in mine), default=None),
        "train_seconds": sum(float(r["epoch_seconds"]) for r in mine), "test_images": test_images,
        "status": "diverged" if status == "diverged" else "completed",
    }
