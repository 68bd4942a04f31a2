"""HW1-3 `randlabel`: can an MLP memorise random training labels? (Zhang et al. 2017)"""

from __future__ import annotations

from typing import Any

import torch
from torch import Tensor

from hw1cli.context import RunContext
from hw1cli.data import Dataset, load
from hw1cli.experiments.randlabel import plots
from hw1cli.experiments.randlabel.config import RandlabelConfig
from hw1cli.models import count_params, mlp
from hw1cli.training import EpochStats, OptimizerSpec, check_fit_arguments, evaluate_sets, fit, log_epochs

METRIC_COLUMNS = ("epoch", "train_loss", "train_acc", "test_loss", "test_acc", "epoch_seconds")
# Train accuracies whose first epoch the summary reports (how fast memorisation happens).
MILESTONES = (0.9, 0.99)


def random_labels(y: Tensor, noise: float, num_classes: int, seed: int) -> tuple[Tensor, Tensor]:
    """(new labels, replaced positions): exactly round(noise*N) positions get a uniformly random class.

    A CPU generator makes the labels identical on every device. The classes are drawn for all N positions
    before the permutation, so (a) for one seed a smaller --noise replaces a subset of a larger one's
    positions with the same classes, and (b) the permutation is not the trainer's first-epoch data order,
    which is randperm(N) from the same seed.
    """
    gen = torch.Generator().manual_seed(seed)
    n = len(y)
    classes = torch.randint(num_classes, (n,), generator=gen)
    positions = torch.randperm(n, generator=gen)[: round(noise * n)]
    labels = y.cpu().clone()
    labels[positions] = classes[positions]
    return labels.to(y.device), positions


def run(cfg: RandlabelConfig, ctx: RunContext) -> list[dict[str, Any]]:
    data = load(cfg, ctx.device, cfg.seed)
    check_fit_arguments(cfg.epochs, cfg.batch_size, len(data.y_train))  # before any note or training
    labels, positions = random_labels(data.y_train, cfg.noise, data.num_classes, cfg.seed)
    # A replaced label can coincide with the true one (chance 1/classes), so "changed" < "replaced".
    changed = int((labels != data.y_train).sum()) / len(labels)
    ctx.out.note(labels_replaced=len(positions), labels_changed_fraction=changed)
    model = mlp([data.input_size, *cfg.hidden, data.num_classes], seed=cfg.seed, flatten=True).to(ctx.device)
    params = count_params(model)
    ctx.view.say(
        f"{cfg.dataset}: {len(labels)} training labels, {len(positions)} replaced ({changed:.1%} changed); "
        f"MLP {[data.input_size, *cfg.hidden, data.num_classes]}, {params} parameters"
    )
    status, train_seconds = train_model(cfg, ctx, model, data, labels)
    rows = [{k: float(v) for k, v in row.items()} for row in ctx.out.read_csv("metrics.csv")]
    ctx.out.save_figure(plots.loss_curves(rows, cfg.noise, cfg.dataset), "loss.png")
    ctx.out.save_figure(plots.accuracy_curves(rows, cfg.noise, cfg.dataset, data.num_classes), "accuracy.png")
    summary = summarize(cfg, rows, params, len(positions), changed, status, train_seconds)
    # The claims' chance level and its binomial standard error need these two.
    summary.update(classes=data.num_classes, test_images=len(data.y_test))
    ctx.out.write_csv("summary.csv", [summary])
    return [summary]


def train_model(
    cfg: RandlabelConfig, ctx: RunContext, model: torch.nn.Module, data: Dataset, labels: Tensor
) -> tuple[str, float]:
    """Fit on the random labels; log eval-mode train (random labels) and test (true labels) per epoch."""
    # With --resume the checkpoint continues the run; an epoch logged just before a kill is not logged twice.
    log = ctx.out.metrics_log(METRIC_COLUMNS, keys=("epoch",))

    def measure(stats: EpochStats) -> dict[str, Any]:
        train_loss, train_acc, test_loss, test_acc = evaluate_sets(model, data, y_train=labels)
        return {
            "train_loss": train_loss, "train_acc": train_acc, "test_loss": test_loss, "test_acc": test_acc,
            "epoch_seconds": stats.epoch_seconds,
        }

    task = ctx.view.task(f"random labels (noise {cfg.noise:g})", total=cfg.epochs)
    result = fit(
        model, data.x_train, labels, optimizer=OptimizerSpec("adam", cfg.lr), epochs=cfg.epochs,
        batch_size=cfg.batch_size, seed=cfg.seed, on_epoch=log_epochs(log, {}, measure), task=task,
        checkpoint=ctx.out.checkpoint_path("randlabel"),
    )
    task.finish()
    log.close()
    return result.status, sum(h.epoch_seconds for h in result.history)


def first_epoch_at(rows: list[dict[str, float]], column: str, level: float) -> int | None:
    """The first epoch whose `column` is >= level, or None if it never got there."""
    return next((int(r["epoch"]) for r in rows if r[column] >= level), None)


def summarize(
    cfg: RandlabelConfig, rows: list[dict[str, float]], params: int, replaced: int, changed: float,
    status: str, train_seconds: float,
) -> dict[str, Any]:
    last = rows[-1] if rows else {}
    milestones = {f"first_epoch_train_acc_{x:g}": first_epoch_at(rows, "train_acc", x) for x in MILESTONES}
    return {
        "dataset": cfg.dataset, "noise": cfg.noise, "labels_replaced": replaced,
        "labels_changed_fraction": changed, "params": params, "epochs": int(last["epoch"]) if rows else 0,
        **{k: last.get(k) for k in ("train_loss", "train_acc", "test_loss", "test_acc")},
        **milestones, "train_seconds": train_seconds,
        "status": "diverged" if status == "diverged" else "completed",
    }
