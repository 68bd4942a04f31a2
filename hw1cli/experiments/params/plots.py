"""Figures of `hw1 params`: final loss or accuracy vs number of parameters (log x), train and test."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
from matplotlib.figure import Figure

from hw1cli.plots.common import figure, log_if_spanning, plain_log_ticks, styled

NAMES = {"loss": "cross-entropy loss", "acc": "accuracy"}
COLORS = {"train": "tab:blue", "test": "tab:orange"}


@styled
def versus_params(rows: Sequence[Mapping[str, Any]], metric: str, dataset: str, epochs: int) -> Figure:
    """One point per width (mean over seeds, ± std bars and band when there are several seeds)."""
    by_params: dict[int, list[Mapping[str, Any]]] = defaultdict(list)
    for row in rows:
        by_params[int(row["params"])].append(row)
    params = np.array(sorted(by_params))
    seeds = max(len(v) for v in by_params.values())
    how = f"mean ± std of {seeds} seeds" if seeds > 1 else "one seed"
    fig, (ax,) = figure(f"Final {NAMES[metric]} vs model size on {dataset} ({epochs} epochs, {how})")
    plotted: list[float] = []
    for split, color in COLORS.items():
        values = [[float(r[f"{split}_{metric}"]) for r in by_params[p]] for p in params]
        mean = np.array([np.mean(v) for v in values])
        std = np.array([np.std(v) for v in values])
        plotted += [*mean.tolist()]
        if seeds > 1:
            ax.errorbar(params, mean, yerr=std, color=color, marker="o", capsize=3, label=split)
            ax.fill_between(params, mean - std, mean + std, color=color, alpha=0.15)
        else:
            ax.plot(params, mean, color=color, marker="o", label=split)
    ax.set_xscale("log")
    plain_log_ticks(ax, [float(p) for p in params], "x")  # a quick run's 1-2 decades: 5,000 not crowded 5×10³
    if metric == "loss":
        log_if_spanning(ax, plotted)
    ax.set_xlabel("number of parameters (log scale)")
    ax.set_ylabel(f"{NAMES[metric]} (eval mode, whole set)")
    ax.legend()
    return fig
