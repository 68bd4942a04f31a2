"""HW1-3 `params`: number of parameters vs generalization, MLPs of growing width trained the same way."""

from __future__ import annotations

from typing import Any

from hw1cli.context import RunContext
from hw1cli.data import Dataset, load
from hw1cli.experiments.params import plots
from hw1cli.experiments.params.config import ParamsConfig
from hw1cli.files import CsvLog
from hw1cli.models import count_params, mlp
from hw1cli.training import EpochEvaluations, EpochStats, OptimizerSpec, check_fit_arguments, fit, log_epochs

# 10 widths spaced geometrically from 4 to 1024 (ratio 256**(1/9) ~ 1.85), rounded to integers.


METRIC_COLUMNS = (
    "width", "params", "seed", "epoch", *EpochEvaluations.COLUMNS, "epoch_seconds",
)


def run(cfg: ParamsConfig, ctx: RunContext) -> list[dict[str, Any]]:
    data = load(cfg, ctx.device, cfg.seed)
    check_fit_arguments(cfg.epochs, cfg.batch_size, len(data.y_train))  # before any note or training
    # With --resume, epochs already in metrics.csv are not logged again (the checkpoints replay them).
    log = ctx.out.metrics_log(METRIC_COLUMNS, keys=("width", "seed", "epoch"))
    summary: list[dict[str, Any]] = []
    for width in cfg.widths:
        for i in range(cfg.seeds):
            summary.append(train_one(cfg, ctx, data, width, cfg.seed + i, log))
            ctx.out.write_csv("summary.csv", summary)  # after every model, so a kill loses at most one
    log.close()
    for metric, name in (("loss", "loss_vs_params.png"), ("acc", "accuracy_vs_params.png")):
        ctx.out.save_figure(plots.versus_params(summary, metric, cfg.dataset, cfg.epochs), name)
    return summary


def _checkpoint_key(width: int, seed: int) -> str:
    return f"width{width}_seed{seed}"


def train_one(
    cfg: ParamsConfig, ctx: RunContext, data: Dataset, width: int, seed: int, log: CsvLog
) -> dict[str, Any]:
    """Train one width with one seed (same seed for every width: same data order, comparable inits)."""
    sizes = [data.input_size, *[width] * cfg.depth, data.num_classes]
    model = mlp(sizes, seed=seed, flatten=True).to(ctx.device)
    params = count_params(model)
    ctx.view.say(f"width {width}: MLP {sizes}, {params} parameters, seed {seed}")
    keys = {"width": width, "params": params, "seed": seed}
    # Only the final numbers are compared: the whole sets are evaluated after the last epoch (and every
    # --eval-every epochs): the default `hw1 params` took 46.7 s instead of 61.4 s with every epoch evaluated
    # (one thread, 2-core AMD EPYC VM, 2026-12-04), with the same summary.csv.
    evaluations = EpochEvaluations(model, data, cfg.eval_every)

    def measure(stats: EpochStats) -> dict[str, Any]:
        return {**evaluations.columns(stats, last=stats.epoch == cfg.epochs), "epoch_seconds": stats.epoch_seconds}

    task = ctx.view.task(f"width {width} seed {seed}", total=cfg.epochs)
    result = fit(
        model, data.x_train, data.y_train, optimizer=OptimizerSpec("adam", cfg.lr), epochs=cfg.epochs,
        batch_size=cfg.batch_size, seed=seed, on_epoch=log_epochs(log, keys, measure), task=task,
        checkpoint=ctx.out.checkpoint_path(_checkpoint_key(width, seed)),
    )
    task.finish()
    final = _named(evaluations.final(result))
    return {
        **keys, "epochs": result.epochs, **final, "loss_gap": final["test_loss"] - final["train_loss"],
        "train_seconds": sum(h.epoch_seconds for h in result.history),
        "status": "diverged" if result.status == "diverged" else "completed",
    }


def _named(numbers: tuple[float, float, float, float]) -> dict[str, float]:
    """evaluate_sets' eval-mode (train loss, train acc, test loss, test acc) under their column names."""
    return dict(zip(EpochEvaluations.EVALUATED, numbers))
