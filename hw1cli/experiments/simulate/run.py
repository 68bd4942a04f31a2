"""HW1-1 `simulate`: fit 1-D functions with networks of equal parameter count and different depth."""

from __future__ import annotations

from collections import deque
from collections.abc import Mapping
from typing import Any

import torch

from hw1cli.context import RunContext
from hw1cli.experiments.simulate import plots
from hw1cli.experiments.simulate.config import SimulateConfig, hidden_widths
from hw1cli.functions import grid, target
from hw1cli.models import count_params, mlp
from hw1cli.training import EpochStats, OptimizerSpec, evaluate, fit, log_epochs, predict

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
    log = ctx.out.metrics_log(METRIC_COLUMNS, keys=("function", "depth", "seed", "epoch"))
    summary: list[dict[str, Any]] = []
    prediction_rows: list[dict[str, Any]] = []
    for function in cfg.function:
        y = target(function, x)
        history: dict[tuple[int, int], list[float]] = {}
        fits: dict[str, list[float]] = {}
        sizes: dict[int, int] = {}
        for depth in cfg.depth:
            for i in range(cfg.seeds):
                row, losses, fitted = train_one(cfg, ctx, function, depth, cfg.seed + i, x, y, log)
                summary.append(row)
                ctx.out.write_csv("summary.csv", summary)  # after every model, so a kill loses at most one
                history[(depth, row["seed"])] = losses
                sizes[depth] = row["params"]
                fits[f"depth {depth}, seed {row['seed']} ({row['params']} params)"] = fitted
                prediction_rows += [
                    {"function": function, "depth": depth, "seed": row["seed"], "x": xi, "target": yi, "prediction": pi}
                    for xi, yi, pi in zip(x.squeeze(1).tolist(), y.squeeze(1).tolist(), fitted)
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


def train_one(
    cfg: SimulateConfig, ctx: RunContext, function: str, depth: int, seed: int, x: torch.Tensor, y: torch.Tensor, log: Any
) -> tuple[dict[str, Any], list[float], list[float]]:
    widths = hidden_widths(depth, cfg.params, cfg.widths)
    width = max(widths)
    model = mlp([1, *widths, 1], activation="leaky_relu", seed=seed).to(ctx.device)
    params = count_params(model)
    shape = f"width {width}" if len(set(widths)) == 1 else f"widths {'-'.join(map(str, widths))}"
    ctx.view.say(f"{function}: depth {depth}, {shape}, {params} parameters, seed {seed}")
    # The rule is the only reason to stop early, so a fit that "stopped" has converged (also when resumed).
    rule = ConvergenceRule(cfg.loss_tol, cfg.change_tol, cfg.patience)
    keys: Mapping[str, Any] = {"function": function, "depth": depth, "width": width, "params": params, "seed": seed}

    log_row = log_epochs(log, keys, lambda stats: {"loss": stats.running_loss, "epoch_seconds": stats.epoch_seconds})

    def record(stats: EpochStats) -> bool:
        log_row(stats)
        return rule(stats)

    task = ctx.view.task(f"{function} depth {depth} seed {seed}", total=cfg.epochs)
    result = fit(
        model, x, y, optimizer=OptimizerSpec("adam", cfg.lr, cfg.weight_decay), epochs=cfg.epochs,
        seed=seed, on_epoch=record, task=task,
        # Saved once a model is done: --resume skips finished models, and restarts the one cut short.
        checkpoint=ctx.out.checkpoint_path(f"{function}-depth{depth}-seed{seed}"), checkpoint_every=0,
    )
    converged_epoch = result.epochs if result.status == "stopped" else None
    task.finish()
    fitted = predict(model, x).squeeze(1)
    final_loss, _ = evaluate(model, x, y)
    losses = [h.running_loss for h in result.history]
    constant = bool(fitted.std() < COLLAPSE_FRACTION * y.std())
    outcome = outcome_of(result.status == "diverged", converged_epoch is not None, constant, losses)
    row = {
        **keys, "widths": "-".join(map(str, widths)), "epochs": result.epochs, "converged": converged_epoch is not None, "converged_epoch": converged_epoch,
        "final_loss": final_loss, "outcome": outcome,
        "status": "diverged" if result.status == "diverged" else "completed",
        "train_seconds": sum(h.epoch_seconds for h in result.history),
    }
    return row, losses, fitted.tolist()


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
