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
    "model", "batch_size", "lr", "epoch", "steps", *EpochEvaluations.COLUMNS, "epoch_seconds",
)
MEASURES = EpochEvaluations.EVALUATED
# outside_*/line_minimum are filled on the trained endpoints' rows only (α=0 for A, α=1 for B or, with --from-init, A).
SUMMARY_COLUMNS = ("alpha", "point", *MEASURES, "outside_alpha", "outside_train_loss", "line_minimum")


def settings(cfg: InterpolateConfig, examples: int) -> list[dict[str, Any]]:
    """The training set-ups: A uses the base values, B changes only the --vary setting (no B with --from-init)."""
    b_batch = cfg.batch_size_b if cfg.vary == "batch-size" else cfg.batch_size
    b_lr = cfg.lr_b if cfg.vary == "lr" else cfg.lr
    b_init = cfg.seed + 1 if cfg.independent_init else cfg.seed
    a = {"model": "A", "batch_size": cfg.batch_size, "lr": cfg.lr, "init_seed": cfg.seed, "order_seed": cfg.seed,
         "epochs": cfg.epochs}
    if cfg.from_init:
        return [a]
    b_epochs = cfg.epochs
    if cfg.length == "steps":  # B takes at least A's steps, at most one of its own epochs more
        b_epochs = math.ceil(cfg.epochs * math.ceil(examples / cfg.batch_size) / math.ceil(examples / b_batch))
    return [a, {"model": "B", "batch_size": b_batch, "lr": b_lr, "init_seed": b_init, "order_seed": cfg.seed,
                "epochs": b_epochs}]


def setting_label(cfg: InterpolateConfig, setting: dict[str, Any]) -> str:
    """What distinguishes a model, for legends: 'batch size 64' or 'lr 0.01'."""
    if cfg.from_init:
        return f"trained, batch size {setting['batch_size']}, lr {setting['lr']:g}"
    return f"batch size {setting['batch_size']}" if cfg.vary == "batch-size" else f"lr {setting['lr']:g}"


def build_model(cfg: InterpolateConfig, data: Dataset, seed: int) -> nn.Module:
    return classifier(cfg.model, cfg.hidden, data.input_shape, data.num_classes, seed)


def run(cfg: InterpolateConfig, ctx: RunContext) -> list[dict[str, Any]]:
    data = load(cfg, ctx.device, cfg.seed)
    for setting in settings(cfg, len(data.y_train)):  # refuse a batch bigger than the data before anything trains
        check_fit_arguments(setting["epochs"], setting["batch_size"], len(data.y_train))
    # With --resume, epochs already in metrics.csv are not logged again (the checkpoints replay them).
    log = ctx.out.metrics_log(METRIC_COLUMNS, keys=("model", "epoch"))
    models: dict[str, nn.Module] = {}
    model_rows: list[dict[str, Any]] = []
    for setting in settings(cfg, len(data.y_train)):
        model, row = train_one(cfg, ctx, data, setting, log)
        models[setting["model"]] = model
        model_rows.append(row)
        ctx.out.write_csv("models.csv", model_rows)
    log.close()
    ctx.out.note(length=None if cfg.from_init else cfg.length, steps={r["model"]: r["steps"] for r in model_rows},
                 epochs_trained={r["model"]: r["epochs"] for r in model_rows})
    if any(r["status"] == "diverged" for r in model_rows):
        return model_rows  # a non-finite model has no line to walk along; the CLI reports the divergence
    if cfg.from_init:  # A's initialisation, rebuilt from its seed: the same weights A started from
        ends = {"init": parameter_state(build_model(cfg, data, cfg.seed).to(ctx.device)), "A": parameter_state(models["A"])}
    else:
        ends = {name: parameter_state(m) for name, m in models.items()}
    (start, theta_0), (end, theta_1) = ends.items()
    alphas = alpha_grid(cfg.alpha_min, cfg.alpha_max, cfg.alpha_step)
    ctx.view.say(f"evaluating θ(α) at {len(alphas)} points from α={alphas[0]:g} to α={alphas[-1]:g}")
    vessel = copy.deepcopy(models["A"])  # evaluate_line overwrites its state; A and B stay as trained
    sets = {"train": (data.x_train, data.y_train), "test": (data.x_test, data.y_test)}
    rows = evaluate_line(vessel, theta_0, theta_1, alphas, sets)
    # One grid step beyond each trained endpoint, away from the other one: a minimum along the line has a loss
    # there at least its own (#26: past A the loss kept falling, 4.6e-5 at α=−0.2 vs 1.2e-4 at A).
    n = round(1 / cfg.alpha_step)  # k/n, as alpha_grid makes them: the same floats as the grid's points there
    outside = {0.0: -1 / n, 1.0: (n + 1) / n}
    trained = {0.0: start, 1.0: end} if not cfg.from_init else {1.0: end}
    beyond = {r["alpha"]: r["train_loss"] for r in evaluate_line(vessel, theta_0, theta_1, [outside[a] for a in trained],
                                                                  {"train": sets["train"]})}
    labels = {0.0: start, 1.0: end}
    rows = [line_row(r, labels, trained, outside, beyond) for r in rows]
    ctx.out.write_csv("summary.csv", rows, SUMMARY_COLUMNS)
    endpoints = {0.0: f"{start}: " + ("initialisation" if cfg.from_init else setting_label(cfg, model_rows[0])),
                 1.0: f"{end}: {setting_label(cfg, model_rows[-1])}"}
    title = plot_title(cfg, data, model_rows)
    ctx.out.save_figure(plots.loss_along_line(rows, endpoints, title), "loss.png")
    ctx.out.save_figure(plots.accuracy_along_line(rows, endpoints, title), "accuracy.png")
    # The console table shows every half step; summary.csv holds the whole grid.
    return [r for r in rows if float(r["alpha"] * 2).is_integer()]


def line_row(row: dict[str, float], labels: dict[float, str], trained: dict[float, str], outside: dict[float, float],
             beyond: dict[float, float]) -> dict[str, Any]:
    """A summary.csv row; a trained endpoint's row also says whether it is a minimum along the line (1/0)."""
    alpha = row["alpha"]
    out: dict[str, Any] = {"alpha": alpha, "point": labels.get(alpha, ""), **{k: row[k] for k in MEASURES}}
    if alpha in trained:
        loss = beyond[outside[alpha]]
        out.update(outside_alpha=outside[alpha], outside_train_loss=loss, line_minimum=int(loss >= row["train_loss"]))
    return out


def plot_title(cfg: InterpolateConfig, data: Dataset, model_rows: list[dict[str, Any]]) -> str:
    model = describe_classifier(cfg.model, cfg.hidden, data.input_shape, data.num_classes)
    if cfg.from_init:
        return f"θ(α) = (1−α)·θ_init + α·θ_A on {cfg.dataset}: {model}, Adam, {cfg.epochs} epochs (Goodfellow's line)"
    init = "independent inits" if cfg.independent_init else "one shared init"
    a, b = model_rows
    length = (f"equal steps ({a['steps']:,} vs {b['steps']:,}; {a['epochs']} vs {b['epochs']} epochs)" if cfg.length == "steps"
              else f"equal epochs ({a['epochs']}; {a['steps']:,} vs {b['steps']:,} steps)")
    return f"θ(α) = (1−α)·θ_A + α·θ_B on {cfg.dataset}: {model}, Adam, {length}, {init}"


def train_one(
    cfg: InterpolateConfig, ctx: RunContext, data: Dataset, setting: dict[str, Any], log: CsvLog
) -> tuple[nn.Module, dict[str, Any]]:
    """Train one endpoint, logging its epochs (eval-mode numbers when --eval-every asks); returns it and its final row."""
    name, batch_size = setting["model"], setting["batch_size"]
    model = build_model(cfg, data, setting["init_seed"]).to(ctx.device)
    steps_per_epoch = math.ceil(len(data.x_train) / batch_size)
    epochs = setting["epochs"]
    ctx.view.say(f"model {name}: {setting_label(cfg, setting)}, {count_params(model)} parameters, "
                 f"{epochs} epochs, {steps_per_epoch * epochs} steps")
    # A model that runs more epochs to match A's steps is logged about as often as A (its last epoch always),
    # and evaluated every --eval-every of those rows: evaluating both whole sets after each of B's 313 short
    # epochs would cost more than training it. Only the endpoints' final numbers are compared.
    stride = max(1, round(epochs / cfg.epochs))

    evaluations = EpochEvaluations(model, data, cfg.eval_every * stride)

    def measure(stats: EpochStats) -> dict[str, Any]:
        return {
            "steps": stats.epoch * steps_per_epoch, **evaluations.columns(stats, last=stats.epoch == epochs),
            "epoch_seconds": stats.epoch_seconds,
        }

    every_epoch = log_epochs(log, {"model": name, "batch_size": batch_size, "lr": setting["lr"]}, measure)

    def record(stats: EpochStats) -> None:
        if stats.epoch % stride == 0 or stats.epoch == epochs:
            every_epoch(stats)

    task = ctx.view.task(f"model {name} ({setting_label(cfg, setting)})", total=epochs)
    result = fit(
        model, data.x_train, data.y_train, optimizer=OptimizerSpec("adam", setting["lr"]), epochs=epochs,
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
