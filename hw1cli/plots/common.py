"""Shared figure helpers: the Agg backend, a consistent look, and log scales where values span decades."""

from __future__ import annotations

import warnings
from collections.abc import Sequence

import matplotlib

matplotlib.use("Agg")  # files only: never needs a display

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.ticker import FuncFormatter

# A run whose models all diverged still gets its (empty) figures; matplotlib's complaints about empty
# legends or log axes would be noise beside the one-line report the CLI prints.
warnings.filterwarnings("ignore", message="No artists with labels found", category=UserWarning)
warnings.filterwarnings("ignore", message="Data has no positive values", category=UserWarning)

# Sizes for figures shown at the report's full width (about 1100 px for a 7-inch figure at 160 dpi): 11-pt
# text reads like the page's own; legends stay "small" but framed, so curves behind them do not blur them.
plt.rcParams.update({"figure.dpi": 120, "axes.grid": True, "grid.alpha": 0.3, "font.size": 11, "axes.titlesize": "medium",
                     "figure.titlesize": "large", "legend.fontsize": "small", "legend.framealpha": 0.85})


def figure(title: str, ncols: int = 1, nrows: int = 1, size: tuple[float, float] = (7.0, 4.5), sharex: bool = False) -> tuple[Figure, np.ndarray]:
    """A titled figure; axes always come back as a flat array."""
    fig, axes = plt.subplots(nrows, ncols, figsize=size, sharex=sharex, squeeze=False, layout="constrained")
    fig.suptitle(title)
    return fig, axes.ravel()


def colors(n: int) -> list[tuple[float, float, float, float]]:
    """n distinct colours (tab10, then a continuous map for more)."""
    cmap = plt.get_cmap("tab10" if n <= 10 else "viridis")
    return [cmap(i if n <= 10 else i / max(n - 1, 1)) for i in range(n)]


def log_if_spanning(ax: Axes, values: Sequence[float], axis: str = "y", decades: float = 1.5) -> None:
    """Use a log axis when the positive values span more than `decades` powers of ten."""
    positive = np.asarray([v for v in values if v is not None and np.isfinite(v) and v > 0])
    if positive.size and np.log10(positive.max() / positive.min()) > decades:
        (ax.set_yscale if axis == "y" else ax.set_xscale)("log")
        plain_log_ticks(ax, positive, axis)


def plain_log_ticks(ax: Axes, values: Sequence[float], axis: str = "y") -> None:
    """On a log axis spanning under two decades matplotlib labels minor ticks like 9.8×10⁻¹; print such
    ticks as plain numbers (0.98) instead. Wider spans keep matplotlib's powers of ten."""
    positive = np.asarray([v for v in values if v is not None and np.isfinite(v) and v > 0])
    span = np.log10(positive.max() / positive.min()) if positive.size else 2.0
    if span >= 2:
        return
    target = ax.yaxis if axis == "y" else ax.xaxis
    target.set_major_formatter(FuncFormatter(lambda v, _pos: _plain(v)))

    def minor(v: float, _pos: int) -> str:
        # under a decade every minor tick is labelled; up to two, only 2·10^k and 5·10^k (the rest would crowd)
        leading = round(v / 10 ** np.floor(np.log10(v)))
        return _plain(v) if span < 1 or leading in (2, 5) else ""

    target.set_minor_formatter(FuncFormatter(minor))


def _plain(value: float) -> str:
    """0.98, 20, 5,000, 20,000: a tick as people write it (not 5e+03)."""
    return f"{value:,.0f}" if value >= 1000 else f"{value:.3g}"


def plural(count: int, noun: str) -> str:
    """'1 run', '3 runs': legends and titles say what ran in plain English."""
    return f"{count} {noun}" if count == 1 else f"{count} {noun}s"
