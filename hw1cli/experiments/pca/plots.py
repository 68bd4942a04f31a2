"""Figures of `hw1 pca`: every run's trajectory in the plane of the first two principal components."""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Mapping, Sequence
from typing import Any

from matplotlib.figure import Figure
from matplotlib.lines import Line2D

from hw1cli.plots.common import colors, figure, styled


@styled
def trajectories(rows: Sequence[Mapping[str, Any]], explained: Sequence[float], view: str) -> Figure:
    """One colour per run, its snapshots joined in epoch order; ○ marks epoch 0 and ★ the last snapshot,
    which is labelled with the run's training accuracy (start → end accuracy is in the legend too).

    `rows` are coordinates.csv rows: their train_acc is the eval-mode accuracy on the whole training set at
    the snapshot, not metrics.csv's running_acc (a mean over the epoch's minibatches while training).
    """
    by_run: dict[int, list[Mapping[str, Any]]] = defaultdict(list)
    for row in rows:
        if math.isfinite(row["pc1"]) and math.isfinite(row["pc2"]):  # diverged snapshots have no coordinates
            by_run[row["run"]].append(row)
    fig, (ax,) = figure(f"Optimization trajectories, {view}", size=(8.0, 6.0))
    for color, (_run, points) in zip(colors(len(by_run)), sorted(by_run.items())):
        points = sorted(points, key=lambda r: r["epoch"])
        xs, ys = [p["pc1"] for p in points], [p["pc2"] for p in points]
        first, last = points[0], points[-1]
        label = f"seed {first['seed']}: train acc {first['train_acc']:.2f} → {last['train_acc']:.2f}"
        ax.plot(xs, ys, "-", color=color, linewidth=1.3, marker=".", markersize=5, label=label)
        ax.plot(xs[0], ys[0], "o", markersize=9, markerfacecolor="white", markeredgecolor=color, markeredgewidth=2)
        ax.plot(xs[-1], ys[-1], "*", markersize=15, color=color, markeredgecolor="black", markeredgewidth=0.6)
        ax.annotate(f"{last['train_acc']:.0%}", (xs[-1], ys[-1]), textcoords="offset points", xytext=(7, 5),
                    fontsize=9, color=color, fontweight="bold")
    epochs = sorted({r["epoch"] for r in rows})
    markers = [
        Line2D([], [], marker="o", linestyle="", markerfacecolor="white", markeredgecolor="grey", label=f"start (epoch {epochs[0]})"),
        Line2D([], [], marker="*", linestyle="", color="grey", markersize=12, label=f"end (epoch {epochs[-1]}), train acc (eval mode)"),
    ]
    handles, _ = ax.get_legend_handles_labels()
    ax.legend(handles=[*handles, *markers], loc="best", fontsize="small")
    ax.set_xlabel(f"PC1 ({explained[0]:.1%} of variance)")
    ax.set_ylabel(f"PC2 ({explained[1]:.1%} of variance)")
    return fig
