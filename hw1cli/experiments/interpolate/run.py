"""HW1-3 `interpolate`: flatness vs generalization, part 1 — the loss along the line between two solutions.

Two models start from one initialisation and differ in one training setting (batch size or learning rate);
θ(α) = (1−α)·θ_A + α·θ_B is evaluated on the whole train and test sets for α on a grid over [−1, 2].
"""

from __future__ import annotations

import copy
import math
from typing import Any

from torch import nn

from hw1cli.context import RunContext
from hw1cli.data import Dataset, load
from hw1cli.experiments.interpolate import plots
from hw1cli.experiments.interpolate.config import InterpolateConfig, alpha_grid
from hw1cli.files import CsvLog
from hw1cli.measures import evaluate_line, parameter_state
from hw1cli.models import classifier, count_params, describe_classifier
from hw1cli.training import EpochEvaluations, EpochStats, OptimizerSpec, check_fit_arguments, fit, log_epochs

METRIC_COLUMNS = (
    "model", "batch_size", "lr", "epoch", "steps", "train_loss", "train_acc", "test_loss", "test_acc", "epoch_seconds",
)
MEASURES = ("train_loss", "train_acc", "test_loss", "test_acc")


def settings(cfg: InterpolateConfig) -> list[dict[str, Any]]:
    """The two training set-ups: A uses the base values, B changes only the --vary setting."""
    b_batch = cfg.batch_size_b if cfg.vary == "batch-size" else cfg.batch_size
    b_lr = cfg.lr_b if cfg.vary == "lr" else cfg.lr
    b_init = cfg.seed + 1 if cfg.independent_init else cfg.seed
    return [
        {"model": "A", "batch_size": cfg.batch_size, "lr": cfg.lr, "init_seed": cfg.seed, "order_seed": cfg.seed},
        {"model": "B", "batch_size": b_batch, "lr": b_lr, "init_seed": b_init, "order_seed": cfg.seed},
    ]


def setting_label(cfg: InterpolateConfig, setting: dict[str, Any]) -> str:
    """What distinguishes a model, for legends: 'batch size 64' or 'lr 0.01'."""
    return f"batch size {setting['batch_size']}" if cfg.vary == "batch-size" else f"lr {setting['lr']:g}"


def build_model(cfg: InterpolateConfig, data: Dataset, seed: int) -> nn.Module:
    return classifier(cfg.model, cfg.hidden, data.input_shape, data.num_classes, seed)


def run(cfg: InterpolateConfig, ctx: RunContext) -> list[dict[str, Any]]:
    data = load(cfg, ctx.device, cfg.seed)
    for setting in settings(cfg):  # refuse a batch bigger than the data before anything trains
        check_fit_arguments(cfg.epochs, setting["batch_size"], len(data.y_train))
    # With --resume, epochs already in metrics.csv are not logged again (the checkpoints replay them).
    log = ctx.out.metrics_log(METRIC_COLUMNS, keys=("model", "epoch"))
    models: dict[str, nn.Module] = {}
    model_rows: list[dict[str, Any]] = []
    for setting in settings(cfg):
        model, row = train_one(cfg, ctx, data, setting, log)
        models[setting["model"]] = model
        model_rows.append(row)
        ctx.out.write_csv("models.csv", model_rows)
    log.close()
    if any(r["status"] == "diverged" for r in model_rows):
        return model_rows  # a non-finite model has no line to walk along; the CLI reports the divergence
    alphas = alpha_grid(cfg.alpha_min, cfg.alpha_max, cfg.alpha_step)
    ctx.view.say(f"evaluating θ(α) at {len(alphas)} points from α={alphas[0]:g} to α={alphas[-1]:g}")
    vessel = copy.deepcopy(models["A"])  # evaluate_line overwrites its state; A and B stay as trained
    sets = {"train": (data.x_train, data.y_train), "test": (data.x_test, data.y_test)}
    rows = evaluate_line(vessel, parameter_state(models["A"]), parameter_state(models["B"]), alphas, sets)
    labels = {0.0: "A", 1.0: "B"}
    rows = [{"alpha": r["alpha"], "point": labels.get(r["alpha"], ""), **{k: r[k] for k in MEASURES}} for r in rows]
    ctx.out.write_csv("summary.csv", rows)
    endpoints = {row["model"]: setting_label(cfg, row) for row in model_rows}
    title = plot_title(cfg, data)
    ctx.out.save_figure(plots.loss_along_line(rows, endpoints, title), "loss.png")
    ctx.out.save_figure(plots.accuracy_along_line(rows, endpoints, title), "accuracy.png")
    # The console table shows every half step; summary.csv holds the whole grid.
    return [r for r in rows if float(r["alpha"] * 2).is_integer()]


def plot_title(cfg: InterpolateConfig, data: Dataset) -> str:
    model = describe_classifier(cfg.model, cfg.hidden, data.input_shape, data.num_classes)
    init = "independent inits" if cfg.independent_init else "one shared init"
    return f"θ(α) = (1−α)·θ_A + α·θ_B on {cfg.dataset}: {model}, Adam, {cfg.epochs} epochs, {init}"


def train_one(
    cfg: InterpolateConfig, ctx: RunContext, data: Dataset, setting: dict[str, Any], log: CsvLog
) -> tuple[nn.Module, dict[str, Any]]:
    """Train one endpoint, logging eval-mode train and test numbers per epoch; returns it and its final row."""
    name, batch_size = setting["model"], setting["batch_size"]
    model = build_model(cfg, data, setting["init_seed"]).to(ctx.device)
    steps_per_epoch = math.ceil(len(data.x_train) / batch_size)
    ctx.view.say(f"model {name}: {setting_label(cfg, setting)}, {count_params(model)} parameters, "
                 f"{steps_per_epoch * cfg.epochs} steps")

    evaluations = EpochEvaluations(model, data)

    def measure(stats: EpochStats) -> dict[str, Any]:
        train_loss, train_acc, test_loss, test_acc = evaluations.at(stats.epoch)
        return {
            "steps": stats.epoch * steps_per_epoch, "train_loss": train_loss, "train_acc": train_acc,
            "test_loss": test_loss, "test_acc": test_acc, "epoch_seconds": stats.epoch_seconds,
        }

    record = log_epochs(log, {"model": name, "batch_size": batch_size, "lr": setting["lr"]}, measure)

    task = ctx.view.task(f"model {name} ({setting_label(cfg, setting)})", total=cfg.epochs)
    result = fit(
        model, data.x_train, data.y_train, optimizer=OptimizerSpec("adam", setting["lr"]), epochs=cfg.epochs,
        batch_size=batch_size, seed=setting["order_seed"], on_epoch=record, task=task,
        checkpoint=ctx.out.checkpoint_path(f"model_{name}"),
    )
    task.finish()
    # The endpoints' numbers straight from the trained models: the α=0 and α=1 rows must reproduce them.
    train_loss, train_acc, test_loss, test_acc = evaluations.final(result)
    row = {
        **{k: v for k, v in setting.items() if k != "order_seed"}, "params": count_params(model),
        "epochs": result.epochs, "steps": result.epochs * steps_per_epoch, "train_loss": train_loss,
        "train_acc": train_acc, "test_loss": test_loss, "test_acc": test_acc,
        "train_seconds": sum(h.epoch_seconds for h in result.history),
        "status": "diverged" if result.status == "diverged" else "completed",
    }
    return model, row
