"""Figures of `hw1 simulate`: loss curves (log y) and the fitted functions, one pair per target."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence

import numpy as np
from matplotlib.figure import Figure

from hw1cli.plots.common import colors, figure, plain_log_ticks, styled


@styled
def loss_curves(function: str, history: Mapping[tuple[int, int], Sequence[float]], params: Mapping[int, int]) -> Figure:
    """history[(depth, seed)] = loss per epoch. With several seeds: median line and min–max band per depth."""
    fig, (ax,) = figure(f"Training loss fitting {function}: equal parameters, different depth")
    by_depth: dict[int, list[Sequence[float]]] = defaultdict(list)
    for (depth, _seed), losses in sorted(history.items()):
        by_depth[depth].append(losses)
    for color, (depth, runs) in zip(colors(len(by_depth)), sorted(by_depth.items())):
        label = f"depth {depth} ({params[depth]} params)"
        if len(runs) == 1:
            ax.plot(np.arange(1, len(runs[0]) + 1), runs[0], color=color, label=label, linewidth=1.2)
            continue
        # Runs stop at different epochs: pad with NaN so the band covers the runs still going.
        length = max(len(r) for r in runs)
        stacked = np.full((len(runs), length), np.nan)
        for i, r in enumerate(runs):
            stacked[i, : len(r)] = r
        epochs = np.arange(1, length + 1)
        ax.plot(epochs, np.nanmedian(stacked, 0), color=color, label=f"{label}, median of {len(runs)} seeds")
        ax.fill_between(epochs, np.nanmin(stacked, 0), np.nanmax(stacked, 0), color=color, alpha=0.2)
    ax.set_yscale("log")
    plain_log_ticks(ax, [v for losses in history.values() for v in losses])
    ax.set_xlabel("epoch (full-batch step)")
    ax.set_ylabel("training MSE (log scale)")
    ax.legend()
    return fig


@styled
def predictions(function: str, x: Sequence[float], truth: Sequence[float], fits: Mapping[str, Sequence[float]]) -> Figure:
    """Ground truth and every model's prediction on the training grid."""
    fig, (ax,) = figure(f"{function}: ground truth and fitted networks")
    ax.plot(x, truth, color="black", linewidth=2.5, label="ground truth")
    for color, (label, values) in zip(colors(len(fits)), fits.items()):
        ax.plot(x, values, color=color, linewidth=1.3, label=label)
    ax.set_xlabel("x")
    ax.set_ylabel("f(x)")
    ax.legend()
    return fig


