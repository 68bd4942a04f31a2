"""Figure of `hw1 sensitivity`: every measured quantity vs batch size (log x), each on its own labelled panel."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from matplotlib.figure import Figure

from hw1cli.plots.common import figure, log_if_spanning, styled

Rows = Sequence[Mapping[str, Any]]


def _values(rows: Rows, column: str) -> list[float]:
    return [float("nan") if r.get(column) is None else float(r[column]) for r in rows]


@styled
def measures_vs_batch_size(rows: Rows, title: str, epsilon: float) -> Figure:
    """Four panels: loss, accuracy (train and test), sensitivity, sharpness; steps taken noted on the x ticks."""
    fig, axes = figure(title, ncols=2, nrows=2, size=(11.0, 7.5))
    sizes = [int(r["batch_size"]) for r in rows]
    panels = (
        (axes[0], ("train_loss", "test_loss"), "Loss", "cross-entropy (whole set)"),
        (axes[1], ("train_acc", "test_acc"), "Accuracy", "accuracy (whole set)"),
        (axes[2], ("sensitivity",), "Sensitivity: mean over test points of ‖∂softmax(f(x))/∂x‖_F",
         "‖∂softmax/∂x‖_F, x = standardised input"),
        (axes[3], ("sharpness_percent",), f"Sharpness (Keskar ×100, ε={epsilon:g}): max over |δ_i| ≤ ε(|θ_i|+1)",
         "100·(L(θ+δ) − L(θ)) / (1 + L(θ)) [%], train loss"),
    )
    for ax, columns, heading, ylabel in panels:
        ax.set_title(heading, fontsize="medium")
        for column in columns:
            style = "--" if column.startswith("test") else "-"
            label = column.split("_")[0] if len(columns) > 1 else None
            ax.plot(sizes, _values(rows, column), marker="o", linestyle=style, label=label)
        ax.set_xscale("log", base=2)
        ax.set_xticks(sizes, [f"{s}\n({int(r['steps'])} steps)" for s, r in zip(sizes, rows)], fontsize="small")
        ax.minorticks_off()
        ax.set_xlabel("batch size (log scale; total optimizer steps below)")
        ax.set_ylabel(ylabel)
        if len(columns) > 1:
            ax.legend()
        if columns[0].endswith("loss") or columns[0] in ("sensitivity", "sharpness_percent"):
            log_if_spanning(ax, [v for c in columns for v in _values(rows, c)])
    return fig
