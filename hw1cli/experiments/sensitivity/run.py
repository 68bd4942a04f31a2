"""HW1-3 `sensitivity`: flatness vs generalization, part 2 — batch size vs sensitivity and sharpness.

One model per batch size, all from the same initialisation with the same optimizer. How long each trains is
the budget: `loss` (default) trains every batch size to the same full-set training loss (Keskar et al.
compared minimisers; a step cap bounds it), `steps` gives each the same number of optimizer steps, and
`epochs` the same epochs (so larger batches take fewer steps: at 20 epochs batch 4096 takes 40 steps and ends
at train accuracy 0.93, no minimiser). Per model: train/test loss and accuracy, sensitivity (Novak et al.
2018: mean ‖∂softmax(f(x))/∂x‖_F over the test set, w.r.t. the *standardised* input the model sees) and
sharpness (Keskar et al. 2017, on the training loss, on their ×100 scale).
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from typing import Any

from torch import nn

from hw1cli.context import RunContext
from hw1cli.data import Dataset, load
from hw1cli.errors import UsageError
from hw1cli.experiments.sensitivity import plots
from hw1cli.experiments.sensitivity.config import KESKAR_LARGE_SHARE, KESKAR_SMALL, SensitivityConfig
from hw1cli.files import CsvLog
from hw1cli.measures import sensitivity, sharpness
from hw1cli.models import classifier, count_params, describe_classifier
from hw1cli.training import (
    EpochEvaluations,
    EpochStats,
    OptimizerSpec,
    check_fit_arguments,
    fit,
    log_epochs,
    mean_loss_at_most,
)

METRIC_COLUMNS = ("batch_size", "epoch", "steps", *EpochEvaluations.COLUMNS, "epoch_seconds")


def build_model(cfg: SensitivityConfig, data: Dataset) -> nn.Module:
    """Every batch size starts from this same initialisation (cfg.seed)."""
    return classifier(cfg.model, cfg.hidden, data.input_shape, data.num_classes, cfg.seed)


def run(cfg: SensitivityConfig, ctx: RunContext) -> list[dict[str, Any]]:
    data = load(cfg, ctx.device, cfg.seed)
    batch_sizes = keskar_batch_sizes(cfg, len(data.y_train)) if cfg.keskar else usable_batch_sizes(cfg, ctx, len(data.y_train))
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
    title = f"{cfg.dataset}, {model}, Adam lr {cfg.lr:g}, {budget_text(cfg)}"
    if cfg.keskar:
        title = f"Keskar's batch sizes (256 vs 10% of {len(data.y_train):,} images): {title}"
    ctx.out.save_figure(plots.measures_vs_batch_size(rows, title, cfg.epsilon), "sensitivity.png")
    if cfg.keskar:
        ctx.out.note(keskar=keskar_evidence(rows, len(data.y_train), budget_text(cfg)))
    return rows


def keskar_batch_sizes(cfg: SensitivityConfig, examples: int) -> tuple[int, int]:
    """(256, 10% of the training set), refused before training when the large batch would not be the larger."""
    large = round(KESKAR_LARGE_SHARE * examples)
    if large <= KESKAR_SMALL:
        raise UsageError(f"--keskar needs more than {round(KESKAR_SMALL / KESKAR_LARGE_SHARE):,} training images "
                         f"(10% of them must exceed the small batch {KESKAR_SMALL}); this set has {examples:,}")
    for batch_size in (KESKAR_SMALL, large):
        check_fit_arguments(cfg.epochs, batch_size, examples)
    return KESKAR_SMALL, large


def keskar_evidence(rows: list[dict[str, Any]], examples: int, budget: str) -> dict[str, Any]:
    """The small-vs-large comparison at Keskar's batch sizes, numbers and one README-ready sentence."""
    small, large = rows
    evidence: dict[str, Any] = {"small_batch": small["batch_size"], "large_batch": large["batch_size"],
                                "training_images": examples, "budget": budget}
    for key in ("train_loss", "test_acc", "sensitivity", "sharpness_percent"):
        evidence[key] = {"small": small.get(key), "large": large.get(key)}
    s, b = small.get("sharpness_percent"), large.get("sharpness_percent")
    if s and b is not None:
        evidence["sharpness_ratio"] = b / s
        evidence["text"] = (
            f"At Keskar's batch sizes (small {small['batch_size']}, large {large['batch_size']} = 10% of "
            f"{examples:,} training images; {budget}) sharpness is {s:.3g} vs {b:.3g} ({b / s:.2g}×), "
            f"sensitivity {small['sensitivity']:.3g} vs {large['sensitivity']:.3g}, test accuracy "
            f"{small['test_acc']:.4f} vs {large['test_acc']:.4f}.")
    return evidence


def budget_text(cfg: SensitivityConfig) -> str:
    """Which comparison ran, for the figure's title."""
    if cfg.budget == "loss":
        return f"every batch size trained to training loss {cfg.target_loss:g} (at most {cfg.max_steps} steps)"
    if cfg.budget == "steps":
        return f"{cfg.max_steps} optimizer steps for every batch size"
    return f"{cfg.epochs} epochs for every batch size (larger batches take fewer steps)"


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


class StepBudget:
    """fit's on_step for --budget steps|loss: counts the optimizer steps and stops after `max_steps`, or (loss)
    once the full training set's loss is <= target. The loss is checked every `loss_check_every` steps, on the
    weights before that step's update, so a run stops one update after the check that met the target (the
    summary's train_loss is measured after it stopped)."""

    def __init__(self, cfg: SensitivityConfig, model: nn.Module, data: Dataset) -> None:
        self.cfg, self.model, self.data = cfg, model, data
        self.steps = 0  # the last step's global number: fit numbers steps from the run's start, resumed too
        self.reached = False

    def __call__(self, iteration: int, _loss: Any) -> bool:
        self.steps = iteration
        if self.cfg.budget == "loss" and (iteration - 1) % self.cfg.loss_check_every == 0:
            # the same answer as evaluate(...)[0] <= target, without a full pass while the loss is far above it
            self.reached = mean_loss_at_most(self.model, self.data.x_train, self.data.y_train, self.cfg.target_loss)
        return self.stopping

    @property
    def stopping(self) -> bool:
        """Whether the fit ends with the current step (its update is the last)."""
        return self.reached or self.steps >= self.cfg.max_steps


def train_and_measure(
    cfg: SensitivityConfig, ctx: RunContext, data: Dataset, batch_size: int, log: CsvLog
) -> dict[str, Any]:
    model = build_model(cfg, data).to(ctx.device)
    steps_per_epoch = math.ceil(len(data.x_train) / batch_size)
    budget = StepBudget(cfg, model, data) if cfg.budget != "epochs" else None
    epochs = cfg.epochs if budget is None else math.ceil(cfg.max_steps / steps_per_epoch)
    limit = f"{epochs * steps_per_epoch} steps" if budget is None else (
        f"{cfg.max_steps} steps" if cfg.budget == "steps" else f"to train loss {cfg.target_loss:g}, at most {cfg.max_steps} steps")
    ctx.view.say(f"batch size {batch_size}: {count_params(model)} parameters, {limit}")

    # Only the final numbers are compared: the whole sets are evaluated after the last epoch (and every
    # --eval-every epochs). Evaluating after every epoch was 10.9 s of the default's 62.5 s (cProfile, one thread,
    # 2-core AMD EPYC VM): batch 4096 runs 96 epochs of 2 steps each.
    evaluations = EpochEvaluations(model, data, cfg.eval_every)

    def measure(stats: EpochStats) -> dict[str, Any]:
        full = stats.epoch * steps_per_epoch  # a budget may stop mid-epoch: then its counter is the truth
        last = stats.epoch == epochs or (budget is not None and budget.stopping)
        return {
            "steps": full if budget is None else min(full, budget.steps),
            **evaluations.columns(stats, last), "epoch_seconds": stats.epoch_seconds,
        }

    task = ctx.view.task(f"batch size {batch_size}", total=epochs)
    result = fit(
        model, data.x_train, data.y_train, optimizer=OptimizerSpec("adam", cfg.lr), epochs=epochs,
        batch_size=batch_size, seed=cfg.seed, on_epoch=log_epochs(log, {"batch_size": batch_size}, measure),
        on_step=budget, task=task, checkpoint=ctx.out.checkpoint_path(f"batch_{batch_size}"),
    )
    task.finish()
    train_loss, train_acc, test_loss, test_acc = evaluations.final(result)
    steps = steps_taken(result.epochs, steps_per_epoch, budget, lambda: ctx.out.read_csv("metrics.csv"), batch_size)
    row: dict[str, Any] = {
        "batch_size": batch_size, "params": count_params(model), "epochs": result.epochs, "steps": steps,
        "train_loss": train_loss, "train_acc": train_acc, "test_loss": test_loss, "test_acc": test_acc,
        "reached_target": reached_target(cfg, budget, result.status, steps, train_loss),
        "train_seconds": sum(h.epoch_seconds for h in result.history),
    }
    if result.status == "diverged":  # a non-finite model has no meaningful sensitivity or sharpness
        return {**row, "sensitivity": None, "sharpness_percent": None, "status": "diverged"}
    started = time.perf_counter()
    # w.r.t. the standardised input the model sees (data.py divides pixels by the training set's std, 0.3077 on
    # the shared MNIST split): w.r.t. raw [0, 1] pixels it would be 1/std = 3.25x larger
    row["sensitivity"] = sensitivity(model, data.x_test)
    row["sensitivity_seconds"] = time.perf_counter() - started
    started = time.perf_counter()
    # Keskar's scale: the loss rise in percent of 1 + L(θ)
    row["sharpness_percent"] = sharpness(model, data.x_train, data.y_train, epsilon=cfg.epsilon, steps=cfg.sharpness_steps)
    row["sharpness_seconds"] = time.perf_counter() - started
    return {**row, "status": "completed"}


def reached_target(cfg: SensitivityConfig, budget: StepBudget | None, status: str, steps: int,
                   train_loss: float) -> bool | None:
    """--budget loss: whether the training loss reached --target-loss within --max-steps (None for the other
    budgets). The check that stopped the run knows. A batch size restored from a finished checkpoint trained
    nothing this session, so its budget never checked; it stopped early ("stopped" before --max-steps) only
    because a check met the target. Otherwise the loss measured after the last update decides, and that update
    can lift it just above the target: after a resume, reached_target used to flip from true to false."""
    if cfg.budget != "loss":
        return None
    if budget is not None and budget.reached:
        return True
    restored = budget is not None and budget.steps == 0 and status == "stopped" and steps < cfg.max_steps
    return restored or train_loss <= cfg.target_loss


def steps_taken(
    epochs: int, steps_per_epoch: int, budget: StepBudget | None, logged_rows: Callable[[], list[dict[str, str]]],
    batch_size: int,
) -> int:
    """Optimizer steps the model received. Under a budget the counter knows, unless a finished checkpoint was
    restored (no step ran this session): then metrics.csv's last row of this batch size holds the count."""
    if budget is None:
        return epochs * steps_per_epoch
    if budget.steps:
        return budget.steps
    logged = [int(r["steps"]) for r in logged_rows() if int(r["batch_size"]) == batch_size and r.get("steps")]
    return max(logged, default=epochs * steps_per_epoch)
