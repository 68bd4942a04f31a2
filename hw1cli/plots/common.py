"""Shared figure helpers: hw1's look, figures that need no display, and log scales where values span decades.

hw1 is also a library (hw1cli.api in a notebook or script), so importing or running it leaves the caller's
matplotlib as it was: nothing here selects a backend or changes the global rcParams. A figure is a
matplotlib.figure.Figure on an Agg canvas (no pyplot window, no display: headless runs need nothing), and
hw1's look (STYLE) is in force only while hw1 draws: inside a plot function marked `@styled` (its titles,
labels and legends read the style as they are made) and whenever one of its figures draws or saves itself.
"""

from __future__ import annotations

import functools
import warnings
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any, ParamSpec, TypeVar

import matplotlib
import numpy as np
from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.ticker import FuncFormatter

# A run whose models all diverged still gets its (empty) figures; matplotlib's complaints about empty
# legends or log axes would be noise beside the one-line report the CLI prints.
warnings.filterwarnings("ignore", message="No artists with labels found", category=UserWarning)
warnings.filterwarnings("ignore", message="Data has no positive values", category=UserWarning)

# Sizes for figures shown at the report's full width (about 1100 px for a 7-inch figure at 160 dpi): 11-pt
# text reads like the page's own; legends stay "small" but framed, so curves behind them do not blur them.
STYLE = {"figure.dpi": 120, "axes.grid": True, "grid.alpha": 0.3, "font.size": 11, "axes.titlesize": "medium",
         "figure.titlesize": "large", "legend.fontsize": "small", "legend.framealpha": 0.85}

P = ParamSpec("P")
R = TypeVar("R")


@contextmanager
def style() -> Iterator[None]:
    """hw1's look for the code inside; the rcParams are the caller's again afterwards."""
    with matplotlib.rc_context(STYLE):
        yield


def styled(plot: Callable[P, R]) -> Callable[P, R]:
    """Mark a function that makes a figure: it runs in hw1's style (see the module's docstring)."""

    @functools.wraps(plot)
    def in_style(*args: P.args, **kwargs: P.kwargs) -> R:
        with style():
            return plot(*args, **kwargs)

    in_style.hw1_styled = True  # type: ignore[attr-defined]
    return in_style


class StyledFigure(Figure):
    """A figure that draws and saves itself in hw1's style, whatever the rcParams are then: RunOutput saves it,
    the phone copy re-lays it out and IPython may show it after the plot function has returned."""

    def draw(self, renderer: Any) -> None:
        with style():
            super().draw(renderer)

    def savefig(self, *args: Any, **kwargs: Any) -> None:
        with style():
            super().savefig(*args, **kwargs)


def figure(title: str, ncols: int = 1, nrows: int = 1, size: tuple[float, float] = (7.0, 4.5), sharex: bool = False) -> tuple[Figure, np.ndarray]:
    """A titled figure in hw1's style (a StyledFigure on an Agg canvas); axes always come back as a flat array."""
    with style():
        fig = StyledFigure(figsize=size, layout="constrained")
        FigureCanvasAgg(fig)  # the canvas savefig and the phone layout's renderer need; no display, no pyplot
        axes = fig.subplots(nrows, ncols, sharex=sharex, squeeze=False)
        fig.suptitle(title)
    return fig, axes.ravel()


def colors(n: int) -> list[tuple[float, float, float, float]]:
    """n distinct colours (tab10, then a continuous map for more)."""
    cmap = matplotlib.colormaps["tab10" if n <= 10 else "viridis"]
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
