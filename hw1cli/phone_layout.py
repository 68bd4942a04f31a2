"""A phone copy of each figure: its panels stacked one per row at a width a 390-px screen shows legibly.

The report shows figures at the page's width. On a desktop that is about 1100 px, where a 7-10 inch figure's
11-pt text reads like the page's own; on a phone the same PNG is scaled to about 360 px and its text to a few
pixels. So every figure is saved twice: as drawn (NAME.png, for the desktop, papers and zooming in) and as
NAME.phone.png, the same figure object re-laid out here: panels in one column, PHONE_WIDTH_INCHES wide,
legends that sat beside a panel moved under it, long titles wrapped. The report serves the phone copy to
narrow screens through <picture>; nothing else lists it as a figure of its own.
"""

from __future__ import annotations

import textwrap
from typing import Any

PHONE_SUFFIX = ".phone.png"
# 4.5 in shown at ~360 css px: an 11-pt label is about 12 css px, a "small" legend about 10 css px.
PHONE_WIDTH_INCHES = 4.5
PANEL_HEIGHT_INCHES = 3.3
PHONE_DPI = 160


CROWDED_ROWS = 4  # an inside legend of this many lines moves under its panel on the phone copy
LEGEND_CHARS = 44  # a moved legend's entries wrap at this many characters, to stay within the panel's width


def phone_name(name: str) -> str:
    """loss.png -> loss.phone.png"""
    return name[: -len(".png")] + PHONE_SUFFIX if name.endswith(".png") else name + PHONE_SUFFIX


def is_phone_copy(name: str) -> bool:
    return name.endswith(PHONE_SUFFIX)


def relayout_for_phone(fig: Any) -> None:
    """Re-lay out `fig` in place for a narrow screen (see the module's docstring). Only figures made by
    plots.common.figure (a constrained-layout grid of axes) are moved; any other axes keep their place."""
    from matplotlib.gridspec import GridSpec

    panels = [ax for ax in fig.axes if ax.get_subplotspec() is not None]
    if not panels:
        return
    extra = sum(_move_legends_below(ax) for ax in panels)  # inches the legends now take under panels
    fig.set_size_inches(PHONE_WIDTH_INCHES, PANEL_HEIGHT_INCHES * len(panels) + extra + 0.6)
    grid = GridSpec(len(panels), 1, figure=fig)
    for row, ax in enumerate(panels):
        ax.set_subplotspec(grid[row])
        _wrap(ax.title, ax.title.get_fontsize())
        # a y label runs along the panel's height (less its ticks' margin): a long one spilled past the panel
        _wrap(ax.yaxis.label, ax.yaxis.label.get_fontsize(), PANEL_HEIGHT_INCHES - 0.6)
    if fig._suptitle is not None:  # matplotlib keeps the suptitle there; there is no getter
        _wrap(fig._suptitle, fig._suptitle.get_fontsize())


def _wrap(text: Any, points: float, inches: float = PHONE_WIDTH_INCHES) -> None:
    """Wrap a title (or label) to `inches`, the phone width by default: about 0.55 em per character."""
    content = text.get_text()
    if content:
        width = max(20, int(inches * 72 / (points * 0.55)))
        text.set_text("\n".join(textwrap.fill(line, width) for line in content.split("\n")))


def _move_legends_below(ax: Any) -> float:
    """Legends anchored right of the axes (x > 1), or crowded ones inside them, go under them, stacked below
    the x axis's labels, each placed a measured number of inches down (so the gaps do not depend on the panel's final height); returns
    the inches they take, by which the figure grows."""
    from matplotlib.legend import Legend
    from matplotlib.transforms import ScaledTranslation

    # beside the panel, or inside it with so many lines that on a 4.5-in panel it covers the data (minratio's 5)
    moved = [child for child in ax.get_children()
            if isinstance(child, Legend) and (_anchored_right(child, ax) or _rows(child) >= CROWDED_ROWS)]
    if not moved:
        return 0.0
    fig = ax.figure
    renderer = fig.canvas.get_renderer()
    axis_box = ax.xaxis.get_tightbbox(renderer)
    below = (ax.get_window_extent(renderer).y0 - axis_box.y0) / fig.dpi if axis_box is not None else 0.4
    down = below + 0.1
    for legend in moved:
        for text in legend.get_texts():  # no wider than the panel, which constrained layout would shrink to fit it
            text.set_text("\n".join(textwrap.wrap(text.get_text(), LEGEND_CHARS)) or text.get_text())
        shift = ScaledTranslation(0, -down, fig.dpi_scale_trans)
        legend.set_bbox_to_anchor((0.0, 0.0), transform=ax.transAxes + shift)
        if hasattr(legend, "set_loc"):  # matplotlib >= 3.8; 3.7 keeps the location in _loc (2 = upper left)
            legend.set_loc("upper left")
        else:
            legend._loc = 2
        down += legend.get_window_extent(renderer).height / fig.dpi + 0.08
    return down


def _anchored_right(legend: Any, ax: Any) -> bool:
    box = legend.get_bbox_to_anchor()
    try:
        x0 = ax.transAxes.inverted().transform((box.x0, box.y0))[0]
    except Exception:  # an anchor in another coordinate system: leave that legend alone
        return False
    return x0 > 1.0


def _rows(legend: Any) -> int:
    """Lines a legend takes: its entries and its title."""
    title = 1 if legend.get_title().get_text() else 0
    return len(legend.get_texts()) + title
