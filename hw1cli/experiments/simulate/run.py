"""HW1-1 `simulate`: fit 1-D functions with networks of equal parameter count and different depth."""

from __future__ import annotations

from collections import deque
from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import Any

import torch
from torch import nn

from hw1cli.context import RunContext
from hw1cli.experiments.simulate import plots
from hw1cli.experiments.simulate.config import SimulateConfig, hidden_widths
from hw1cli.functions import grid, target
from hw1cli.models import count_params, mlp
from hw1cli.training import (
    EpochStats,
    FitResult,
    OptimizerSpec,
    evaluate,
    fit,
    fit_ensemble,
    log_epochs,
    predict,
    save_finished,
)

# width is the widest hidden layer (all of them with --widths equal); summary.csv's `widths` has every layer's.
METRIC_COLUMNS = ("function", "depth", "width", "params", "seed", "epoch", "loss", "epoch_seconds")
# A net collapsed when its prediction is constant (spread below this fraction of the target's) AND it has
# stopped learning: over the last PROGRESS_WINDOW of its epochs the loss fell by less than PROGRESS_MIN
# (relative). A constant output alone is not enough: a deep net can sit near a constant early on and still be
# improving when the epoch limit ends it (seen in the quick suite at depth 4).
COLLAPSE_FRACTION = 0.05
PROGRESS_WINDOW = 0.1
PROGRESS_MIN = 1e-3  # the quick suite's depth-4 sign net fell 0.34% over its last 30 of 300 epochs


class ConvergenceRule:
    """Stop when the loss is below `loss_tol` and its range over the last `patience` epochs is below `change_tol`."""

    def __init__(self, loss_tol: float, change_tol: float, patience: int) -> None:
        self.loss_tol, self.change_tol = loss_tol, change_tol
        self.recent: deque[float] = deque(maxlen=patience)

    def __call__(self, stats: EpochStats) -> bool:
        self.recent.append(stats.running_loss)
        full = len(self.recent) == self.recent.maxlen
        return full and stats.running_loss < self.loss_tol and max(self.recent) - min(self.recent) < self.change_tol


def run(cfg: SimulateConfig, ctx: RunContext) -> list[dict[str, Any]]:
    x = grid(cfg.points, cfg.x_min, cfg.x_max, ctx.device)
    targets = {function: target(function, x) for function in cfg.function}
    log = ctx.out.metrics_log(METRIC_COLUMNS, keys=("function", "depth", "seed", "epoch"))
    order = [(function, depth, cfg.seed + i) for function in cfg.function for depth in cfg.depth for i in range(cfg.seeds)]
    trained: dict[tuple[str, int, int], Trained] = {}
    for depth in cfg.depth:
        trained.update(train_depth(cfg, ctx, depth, [key for key in order if key[1] == depth], x, targets, log))
        # after every depth, in function, depth, seed order, so a kill loses at most the depth in training
        ctx.out.write_csv("summary.csv", [trained[key].row for key in order if key in trained])
    summary = [trained[key].row for key in order]
    prediction_rows: list[dict[str, Any]] = []
    for function in cfg.function:
        y = targets[function]
        keys = [key for key in order if key[0] == function]
        history = {(depth, seed): trained[(function, depth, seed)].losses for _, depth, seed in keys}
        sizes = {depth: trained[(function, depth, seed)].row["params"] for _, depth, seed in keys}
        fits = {f"depth {depth}, seed {seed} ({sizes[depth]} params)": trained[(function, depth, seed)].fitted
                for _, depth, seed in keys}
        prediction_rows += [
            {"function": function, "depth": depth, "seed": seed, "x": xi, "target": yi, "prediction": pi}
            for _, depth, seed in keys
            for xi, yi, pi in zip(x.squeeze(1).tolist(), y.squeeze(1).tolist(), trained[(function, depth, seed)].fitted)
        ]
        ctx.out.save_figure(plots.loss_curves(function, history, sizes), f"loss_{function}.png")
        ctx.out.save_figure(plots.predictions(function, x.squeeze(1).tolist(), y.squeeze(1).tolist(), fits), f"fit_{function}.png")
    log.close()
    ctx.out.write_csv("predictions.csv", prediction_rows)
    ctx.out.note(outcomes=outcome_counts(summary))
    return summary


def outcome_counts(summary: list[dict[str, Any]]) -> dict[str, dict[str, dict[str, int]]]:
    """Per function and depth, how many seeds ended each way (converged, collapsed, max epochs, diverged): a
    collapse is a property of the seed, so the rate over seeds is what says something about depth."""
    counts: dict[str, dict[str, dict[str, int]]] = {}
    for row in summary:
        per_depth = counts.setdefault(row["function"], {}).setdefault(str(row["depth"]), {"seeds": 0})
        per_depth["seeds"] += 1
        per_depth[row["outcome"]] = per_depth.get(row["outcome"], 0) + 1
    return counts


@dataclass
class Trained:
    """One model's outcome: its summary row, loss per epoch and prediction on the grid."""

    row: dict[str, Any]
    losses: list[float]
    fitted: list[float]


def train_depth(
    cfg: SimulateConfig, ctx: RunContext, depth: int, keys: list[tuple[str, int, int]], x: torch.Tensor,
    targets: dict[str, torch.Tensor], log: Any,
) -> dict[tuple[str, int, int], Trained]:
    """Every (function, seed) model of one depth, trained together as one stack (the same architecture): a
    571-parameter net's step is mostly overhead, which the stack pays once (ensemble_stack.py). Models that a
    resumed run already finished are restored from their checkpoints instead."""
    widths = hidden_widths(depth, cfg.params, cfg.widths)
    width = max(widths)
    spec = OptimizerSpec("adam", cfg.lr, cfg.weight_decay)
    models = {key: mlp([1, *widths, 1], activation="leaky_relu", seed=key[2]).to(ctx.device) for key in keys}
    params = count_params(next(iter(models.values())))
    shape = f"width {width}" if len(set(widths)) == 1 else f"widths {'-'.join(map(str, widths))}"
    checkpoints = {key: ctx.out.checkpoint_path(f"{key[0]}-depth{depth}-seed{key[2]}") for key in keys}
    results: dict[tuple[str, int, int], FitResult] = {}
    seconds: dict[tuple[str, int, int], float] = {}
    for function, _, seed in keys:
        ctx.view.say(f"{function}: depth {depth}, {shape}, {params} parameters, seed {seed}")
    for key in keys:
        if checkpoints[key].exists():  # finished by an earlier run: fit restores it without training
            results[key] = fit(models[key], x, targets[key[0]], optimizer=spec, epochs=cfg.epochs, seed=key[2],
                               checkpoint=checkpoints[key], checkpoint_every=0)
            seconds[key] = sum(h.epoch_seconds for h in results[key].history)
    todo = [key for key in keys if key not in results]
    if todo:
        fresh = fit_stack(cfg, ctx, spec, [models[key] for key in todo], todo, x, targets, log, params, width)
        for key, (result, spent) in zip(todo, fresh):
            results[key], seconds[key] = result, spent
            # Saved once a model is done: --resume skips finished models, and retrains a depth cut short.
            save_finished(checkpoints[key], models[key], spec, key[2], result)
    return {key: _outcome(models[key], results[key], seconds[key], x, targets[key[0]],
                          {"function": key[0], "depth": depth, "width": width, "params": params, "seed": key[2]}, widths)
            for key in keys}


def fit_stack(
    cfg: SimulateConfig, ctx: RunContext, spec: OptimizerSpec, models: list[nn.Module], keys: list[tuple[str, int, int]], x: torch.Tensor,
    targets: dict[str, torch.Tensor], log: Any, params: int, width: int,
) -> list[tuple[FitResult, float]]:
    """Train `models` (one architecture) as one stack until each converges or --epochs; per model its FitResult
    and training seconds. A model trained with others is charged its share of each epoch's wall time."""
    rules = [ConvergenceRule(cfg.loss_tol, cfg.change_tol, cfg.patience) for _ in keys]
    spent = [0.0] * len(keys)
    rows = [log_epochs(log, {"function": f, "depth": d, "width": width, "params": params, "seed": s},
                       lambda stats: {"loss": stats.running_loss, "epoch_seconds": stats.epoch_seconds}) for f, d, s in keys]

    def record(epoch: int, stats: Mapping[int, EpochStats]) -> list[bool]:
        converged = [False] * len(keys)
        for k, one in stats.items():
            share = replace(one, epoch_seconds=one.epoch_seconds / len(stats))
            spent[k] += share.epoch_seconds
            rows[k](share)
            converged[k] = rules[k](share)
        return converged

    depth = keys[0][1]
    task = ctx.view.task(f"depth {depth}: {len(keys)} model{'s' if len(keys) > 1 else ''}", total=cfg.epochs)
    result = fit_ensemble(
        models, x, torch.stack([targets[function] for function, _, _ in keys]), optimizer=spec,
        epochs=cfg.epochs, seeds=[seed for _, _, seed in keys], on_epoch=record, task=task, stacked=True, targets_per_model=True,
    )
    task.finish()
    for model, trained in zip(models, result.ensemble.modules()):
        model.load_state_dict(trained.state_dict())
    # The rule is the only reason a model stops early, so "stopped" means converged, as with `fit`.
    statuses = {"stopped": "stopped", "diverged": "diverged"}
    return [(FitResult(statuses.get(status, "completed"), len(history), history), spent[k])
            for k, (status, history) in enumerate(zip(result.status, result.history))]


def _outcome(
    model: nn.Module, result: FitResult, seconds: float, x: torch.Tensor, y: torch.Tensor, keys: Mapping[str, Any],
    widths: tuple[int, ...],
) -> Trained:
    """The summary row, losses and prediction of one trained model."""
    converged_epoch = result.epochs if result.status == "stopped" else None
    fitted = predict(model, x).squeeze(1)
    final_loss, _ = evaluate(model, x, y)
    losses = [h.running_loss for h in result.history]
    constant = bool(fitted.std() < COLLAPSE_FRACTION * y.std())
    outcome = outcome_of(result.status == "diverged", converged_epoch is not None, constant, losses)
    row = {
        **keys, "widths": "-".join(map(str, widths)), "epochs": result.epochs, "converged": converged_epoch is not None,
        "converged_epoch": converged_epoch, "final_loss": final_loss, "outcome": outcome,
        "status": "diverged" if result.status == "diverged" else "completed", "train_seconds": seconds,
    }
    return Trained(row, losses, fitted.tolist())


def still_learning(losses: list[float]) -> bool:
    """Whether the loss fell by more than PROGRESS_MIN (relative) over the last PROGRESS_WINDOW of the epochs."""
    window = max(2, int(len(losses) * PROGRESS_WINDOW))
    if len(losses) < window:
        return True  # too short to tell: not evidence of a collapse
    start, best = losses[-window], min(losses[-window:])
    return best < (1 - PROGRESS_MIN) * start


def outcome_of(diverged: bool, converged: bool, constant: bool, losses: list[float]) -> str:
    """diverged | converged | collapsed (constant output and no progress) | max epochs (still learning or not)."""
    if diverged:
        return "diverged"
    if converged:
        return "converged"
    return "collapsed" if constant and not still_learning(losses) else "max epochs"
