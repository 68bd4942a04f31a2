"""Figures of `hw1 interpolate`: loss (log y) and accuracy along θ(α), train and test, endpoints A and B marked."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from matplotlib.axes import Axes
from matplotlib.figure import Figure

from hw1cli.plots.common import figure, styled

Rows = Sequence[Mapping[str, Any]]
SETS = (("train", "tab:blue", "-"), ("test", "tab:orange", "--"))


def _along_line(rows: Rows, endpoints: Mapping[float, str], title: str, measure: str, ylabel: str) -> tuple[Figure, Axes]:
    fig, (ax,) = figure(title, size=(8.0, 4.8))
    alphas = [float(r["alpha"]) for r in rows]
    for name, color, style in SETS:
        values = [float(r[f"{name}_{measure}"]) for r in rows]
        ax.plot(alphas, values, color=color, linestyle=style, marker=".", markersize=4, label=name)
        # The trained models themselves: a big marker on each curve at α=0 and α=1.
        ends = [(a, v) for a, v in zip(alphas, values) if a in endpoints]
        ax.plot([a for a, _ in ends], [v for _, v in ends], linestyle="none", marker="o", markersize=8,
                markerfacecolor="none", markeredgecolor=color, markeredgewidth=1.5)
    for alpha, text in endpoints.items():
        ax.axvline(alpha, color="gray", linestyle=":", linewidth=1)
        _label_endpoint(ax, alpha, text)
    start, end = (endpoints[a].split(":")[0] for a in (0.0, 1.0))
    ax.set_xlabel(f"α   (θ(α) = (1−α)·θ_{start} + α·θ_{end}; α=0 is {start}, α=1 is {end})")
    ax.set_ylabel(ylabel)
    ax.legend(loc="best")
    return fig, ax


def _label_endpoint(ax: Axes, alpha: float, text: str) -> None:
    """Name an endpoint just above the plot frame, centred on its dotted line.

    Inside the frame the label sat on the endpoint markers whenever accuracy was near 1 (it always is for
    trained models), so it is drawn outside the data area, where no curve can reach it.
    """
    ax.annotate(text, xy=(alpha, 1.0), xycoords=("data", "axes fraction"), xytext=(0, 4), textcoords="offset points",
                ha="center", va="bottom", fontsize="small", color="dimgray", annotation_clip=False)


@styled
def loss_along_line(rows: Rows, endpoints: Mapping[float, str], title: str) -> Figure:
    """Cross-entropy on a log axis: between and beyond the endpoints it spans several decades."""
    fig, ax = _along_line(rows, endpoints, title, "loss", "cross-entropy (whole set, log scale)")
    ax.set_yscale("log")
    return fig


@styled
def accuracy_along_line(rows: Rows, endpoints: Mapping[float, str], title: str) -> Figure:
    fig, ax = _along_line(rows, endpoints, title, "acc", "accuracy (whole set)")
    ax.set_ylim(0, 1.02)
    return fig
