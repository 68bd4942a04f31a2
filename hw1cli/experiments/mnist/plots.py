"""Figures of `hw1 mnist`: loss and accuracy vs epoch per model; train solid, test dashed, running dotted."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence

from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.ticker import MaxNLocator

from hw1cli.plots.common import colors, figure, log_if_spanning, styled

Curves = Mapping[str, Sequence[Mapping[str, float]]]
# (column suffix, line style, legend text): what each style means, shown once in a second legend.
STYLES = (
    ("train", "-", "train (eval mode, after the epoch)"),
    ("test", "--", "test (eval mode, after the epoch)"),
    ("running", ":", "train, running mean during the epoch"),
)


def by_model(rows: Sequence[Mapping[str, str]]) -> dict[str, list[dict[str, float]]]:
    """metrics.csv rows grouped by model, numbers as floats, in epoch order."""
    curves: dict[str, list[dict[str, float]]] = defaultdict(list)
    for row in rows:
        curves[row["model"]].append({k: float(v) for k, v in row.items() if k != "model" and v != ""})
    return {name: sorted(points, key=lambda r: r["epoch"]) for name, points in curves.items()}


def _draw(ax: Axes, curves: Curves, params: Mapping[str, int], metric: str) -> list[float]:
    """One colour per model, one line style per measurement; returns every value drawn."""
    drawn: list[float] = []
    for color, (name, points) in zip(colors(len(curves)), curves.items()):
        epochs = [p["epoch"] for p in points]
        for prefix, style, _ in STYLES:
            values = [p[f"{prefix}_{metric}"] for p in points]
            width = 1.0 if prefix == "running" else 1.6
            label = f"{name} ({params[name]:,} params)" if prefix == "train" else None
            ax.plot(epochs, values, linestyle=style, color=color, linewidth=width, label=label, marker=".")
            drawn += values
    # Both legends sit outside the axes, to the right: inside they covered curves (test acc near 1, loss near 0)
    if curves:  # every model can have diverged in its first epoch: then there is no curve to name
        first = ax.legend(loc="upper left", bbox_to_anchor=(1.02, 1.0), title="model")
        ax.add_artist(first)
    handles = [Line2D([], [], color="gray", linestyle=style, label=text) for _, style, text in STYLES]
    ax.legend(handles=handles, loc="lower left", bbox_to_anchor=(1.02, 0.0), title="line style")
    ax.set_xlabel("epoch")
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    return drawn


def comparison(params: Mapping[str, int]) -> str:
    """What the figure compares, from the models that ran: "equal size" only when it is (within 5%)."""
    sizes = list(params.values())
    if len(sizes) == 1:
        (name,) = params
        return f"{name} ({sizes[0]:,} params)"
    if max(sizes) <= 1.05 * min(sizes):
        return f"{len(sizes)} models of equal size ({min(sizes):,}–{max(sizes):,} params)"
    return f"{len(sizes)} models of different size ({min(sizes):,}–{max(sizes):,} params)"


@styled
def loss_curves(curves: Curves, params: Mapping[str, int], dataset: str) -> Figure:
    fig, (ax,) = figure(f"Loss on {dataset}: {comparison(params)}", size=(10.0, 5.0))
    log_if_spanning(ax, _draw(ax, curves, params, "loss"))
    ax.set_ylabel("cross-entropy")
    return fig


@styled
def accuracy_curves(curves: Curves, params: Mapping[str, int], dataset: str) -> Figure:
    fig, (ax,) = figure(f"Accuracy on {dataset}: {comparison(params)}", size=(10.0, 5.0))
    _draw(ax, curves, params, "acc")
    ax.set_ylabel("accuracy")
    return fig
