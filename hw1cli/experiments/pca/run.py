"""HW1-2 `pca`: the optimization trajectory in weight space, seen through one PCA of all runs' snapshots.

All runs train together as one ensemble (torch.func), each with its own seed for initialisation and data
order; every `every` epochs (and at epoch 0) each run's parameters are snapshotted and evaluated. One PCA
per view (the whole model, the first layer alone) is fitted over every run's snapshots at once, so all
trajectories share the same two axes and can be compared.
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from typing import Any

import numpy as np
from sklearn.decomposition import PCA
from torch import nn

from hw1cli.context import RunContext
from hw1cli.data import Dataset, load
from hw1cli.errors import UsageError
from hw1cli.experiments.pca import plots
from hw1cli.experiments.pca.config import PcaConfig
from hw1cli.models import count_params, mlp
from hw1cli.training import Ensemble, EpochStats, OptimizerSpec, check_fit_arguments, evaluate_ensemble, fit_ensemble

# PCA's own randomness is pinned; with the exact ('full') solver the result does not depend on it anyway.
PCA_RANDOM_STATE = 0
# Named as in `hw1 mnist`: running_* (metrics.csv, every epoch) are the means over the epoch's minibatches while
# the weights move; train_*/test_* (coordinates.csv and summary.csv, at snapshots) are measured afterwards, in
# eval mode, over the whole set. The two differ (e.g. 0.3327 vs 0.3293 loss at epoch 45), so they never
# share a name.
METRIC_COLUMNS = ("run", "seed", "epoch", "running_loss", "running_acc", "epoch_seconds")
COORDINATE_COLUMNS = ("view", "run", "seed", "epoch", "pc1", "pc2", "train_loss", "train_acc", "test_loss", "test_acc")
# distances.csv: the PCA plane keeps only part of the distances (issue 26: a median 57% of the final pairs' on
# MNIST), so claims about runs being apart are judged in the full parameter space, with the plane beside it.
# kind start/end: every pair of runs at the first/last snapshot; travel: a run's end vs its own start;
# farthest: the largest distance from its start over all snapshots (plane_distance at that same snapshot).
DISTANCE_COLUMNS = ("kind", "run", "other", "distance", "plane_distance")




def run(cfg: PcaConfig, ctx: RunContext) -> list[dict[str, Any]]:
    if ctx.resume:  # the ensemble has no per-run checkpoints: train it again; rows already on disk are kept
        ctx.view.say("--resume: retraining the ensemble from the start (deterministic, so kept rows match)")
    data = load(cfg, ctx.device, cfg.seed)
    check_fit_arguments(cfg.epochs, cfg.batch_size, len(data.y_train))  # before any note or training
    seeds = [cfg.seed + i for i in range(cfg.runs)]
    sizes = [data.input_size, *cfg.hidden, data.num_classes]
    models = [mlp(sizes, cfg.activation, seed=s, flatten=True).to(ctx.device) for s in seeds]
    ens = Ensemble.of(models)
    layer1 = first_layer_names(ens.template)
    params = count_params(models[0])
    ctx.view.say(f"{cfg.runs} runs of {'->'.join(map(str, sizes))} ({params} parameters) as one ensemble")
    log = ctx.out.metrics_log(METRIC_COLUMNS, keys=("run", "epoch"))
    snaps: dict[str, list[np.ndarray]] = {"whole": [], "layer1": []}  # per view, one (K, P) array per snapshot
    evaluations: list[dict[str, Any]] = []  # per snapshot and run

    def snapshot(epoch: int) -> None:
        snaps["whole"].append(ens.flat().cpu().double().numpy())
        snaps["layer1"].append(ens.flat(layer1).cpu().double().numpy())
        evaluations.extend(evaluate_runs(ens, data, epoch, seeds))

    def on_epoch(epoch: int, stats: Mapping[int, EpochStats]) -> None:
        for k, s in stats.items():
            log.write({"run": k, "seed": seeds[k], "epoch": epoch, "running_loss": s.running_loss,
                       "running_acc": s.running_acc, "epoch_seconds": s.epoch_seconds / len(stats)})  # its share
        if epoch % cfg.every == 0 or epoch == cfg.epochs:
            snapshot(epoch)

    snapshot(0)
    task = ctx.view.task("epochs (all runs at once)", total=cfg.epochs)
    started = time.perf_counter()
    result = fit_ensemble(
        ens, data.x_train, data.y_train, optimizer=OptimizerSpec(cfg.optimizer, cfg.lr, cfg.weight_decay),
        epochs=cfg.epochs, batch_size=cfg.batch_size, seeds=seeds, on_epoch=on_epoch, task=task,
    )
    train_seconds = time.perf_counter() - started
    task.finish()
    log.close()
    coordinates, explained = project(snaps, evaluations)
    ctx.out.write_csv("coordinates.csv", coordinates, COORDINATE_COLUMNS)
    gaps = distances(np.stack(snaps["whole"], axis=1), plane_points(coordinates, "whole", cfg.runs))
    ctx.out.write_csv("distances.csv", gaps, DISTANCE_COLUMNS)
    kept = kept_share(gaps)
    ctx.out.note(explained_variance_ratio=explained, train_seconds=train_seconds, plane_kept_share_end_pairs=kept)
    layer1_params = snaps["layer1"][0].shape[1]
    whole_note = "" if kept is None else f"\na 2-D projection: it keeps a median {kept:.0%} of the final pairs' full-space distances"
    for view, title in (("whole", f"whole model ({params:,} parameters per run){whole_note}"),
                        ("layer1", f"first layer ({layer1_params:,} of {params:,} parameters per run)")):
        rows = [r for r in coordinates if r["view"] == view]
        ctx.out.save_figure(plots.trajectories(rows, explained[view], title), f"pca_{view}.png")
    last = {r["run"]: r for r in evaluations}  # the final snapshot's evaluation of each run
    summary = [
        {"run": k, "seed": s, "params": params, "epochs": len(result.history[k]),
         **{m: last[k][m] for m in ("train_loss", "train_acc", "test_loss", "test_acc")},
         **{f"{v}_pc{i + 1}_explained": explained[v][i] for v in ("whole", "layer1") for i in range(2)},
         # each run its share of the stack's training time, as simulate charges its stacked models
         "train_seconds": train_seconds / len(seeds), "status": "diverged" if result.status[k] == "diverged" else "completed"}
        for k, s in enumerate(seeds)
    ]
    ctx.out.write_csv("summary.csv", summary)
    return summary


def first_layer_names(template: nn.Module) -> list[str]:
    """Parameter names of the first Linear layer (its weight and bias): the "first layer alone" view."""
    first = next(name for name, m in template.named_modules() if isinstance(m, nn.Linear))
    return [n for n, _ in template.named_parameters() if n.rsplit(".", 1)[0] == first]


def evaluate_runs(ens: Ensemble, data: Dataset, epoch: int, seeds: list[int]) -> list[dict[str, Any]]:
    """Every run's loss and accuracy on the whole training and test sets (eval mode), at one snapshot."""
    train_loss, train_acc = evaluate_ensemble(ens, data.x_train, data.y_train)
    test_loss, test_acc = evaluate_ensemble(ens, data.x_test, data.y_test)
    assert train_acc is not None and test_acc is not None  # classification sets
    return [
        {"run": k, "seed": s, "epoch": epoch, "train_loss": train_loss[k], "train_acc": train_acc[k],
         "test_loss": test_loss[k], "test_acc": test_acc[k]}
        for k, s in enumerate(seeds)
    ]


def project(
    snaps: Mapping[str, list[np.ndarray]], evaluations: list[dict[str, Any]]
) -> tuple[list[dict[str, Any]], dict[str, list[float]]]:
    """One PCA per view over all runs' snapshots: the 2-D coordinates, and each axis's explained variance."""
    rows: list[dict[str, Any]] = []
    explained: dict[str, list[float]] = {}
    for view, arrays in snaps.items():
        stacked = np.stack(arrays, axis=1)  # (K, S, P): run k's snapshots in epoch order
        k, s, p = stacked.shape
        flat = stacked.reshape(k * s, p)  # row k*S + j is run k, snapshot j: the order of `evaluations`' runs
        finite = np.isfinite(flat).all(axis=1)  # a diverged run's snapshots would poison the fit
        if finite.sum() < 2:
            raise UsageError("PCA needs at least two finite snapshots; every run diverged")
        pca = PCA(n_components=2, svd_solver="full", random_state=PCA_RANDOM_STATE).fit(flat[finite])
        coords = np.full((k * s, 2), np.nan)
        coords[finite] = pca.transform(flat[finite])
        explained[view] = [float(v) for v in pca.explained_variance_ratio_]
        for i, e in enumerate(evaluations):  # ordered snapshot by snapshot, run by run within each
            j, run = divmod(i, k)
            assert run == e["run"]
            pc1, pc2 = coords[run * s + j]
            rows.append({"view": view, **e, "pc1": float(pc1), "pc2": float(pc2)})
    return rows, explained


def plane_points(coordinates: list[dict[str, Any]], view: str, runs: int) -> np.ndarray:
    """One view's PC coordinates as a (runs, snapshots, 2) array, snapshots in epoch order."""
    rows = sorted((r for r in coordinates if r["view"] == view), key=lambda r: (r["run"], r["epoch"]))
    return np.array([[r["pc1"], r["pc2"]] for r in rows], dtype=float).reshape(runs, -1, 2)


def distances(full: np.ndarray, plane: np.ndarray) -> list[dict[str, Any]]:
    """Euclidean distances between and along the runs, in the full parameter space and in the PCA plane.

    `full` is (K, S, P), `plane` (K, S, 2): run k's snapshots in epoch order. A diverged (non-finite)
    snapshot gives NaN distances; `farthest` looks only at a run's finite snapshots.
    """
    def gap(points: np.ndarray, a: tuple[int, int], b: tuple[int, int]) -> float:
        return float(np.linalg.norm(points[a] - points[b]))

    k, s, _ = full.shape
    rows: list[dict[str, Any]] = []
    for kind, j in (("start", 0), ("end", s - 1)):
        for a in range(k):
            for b in range(a + 1, k):
                rows.append({"kind": kind, "run": a, "other": b, "distance": gap(full, (a, j), (b, j)),
                             "plane_distance": gap(plane, (a, j), (b, j))})
    for a in range(k):
        rows.append({"kind": "travel", "run": a, "other": None, "distance": gap(full, (a, s - 1), (a, 0)),
                     "plane_distance": gap(plane, (a, s - 1), (a, 0))})
    for a in range(k):
        moves = np.linalg.norm(full[a] - full[a, 0], axis=1)  # (S,): each snapshot's distance from the start
        if np.isfinite(moves).any():
            j = int(np.nanargmax(moves))
            far, plane_far = float(moves[j]), gap(plane, (a, j), (a, 0))
        else:
            far = plane_far = float("nan")
        rows.append({"kind": "farthest", "run": a, "other": None, "distance": far, "plane_distance": plane_far})
    return rows


def kept_share(rows: list[dict[str, Any]]) -> float | None:
    """Median over the final pairs of plane distance / full distance: how much of the gaps the plane shows."""
    shares = [r["plane_distance"] / r["distance"] for r in rows
              if r["kind"] == "end" and r["distance"] > 0 and np.isfinite(r["distance"]) and np.isfinite(r["plane_distance"])]
    return float(np.median(shares)) if shares else None
