"""Figures legible on a phone (#22.2): every figure is also saved as NAME.phone.png, its panels stacked one per row
at 4.5 inches, side legends moved under their panel, long titles wrapped; the text of that copy shown 359 px wide
(a 390-px phone's page) is at least 10 CSS px."""

from __future__ import annotations

import itertools
import json
import struct
from pathlib import Path

import numpy as np
from conftest import run_cli

from hw1cli.phone_layout import PHONE_WIDTH_INCHES, is_phone_copy, phone_name, relayout_for_phone
from hw1cli.plots.common import figure

PHONE_PAGE_PX = 359  # the report's figure width on a 390-px screen (measured in Chromium)


def png_width(path: Path) -> int:
    return struct.unpack(">I", path.read_bytes()[16:20])[0]


def three_panels() -> tuple:
    fig, axes = figure("Sharpness, loss and accuracy against the batch size, for every seed that trained", ncols=3,
                       size=(12.0, 4.0))
    for i, ax in enumerate(axes):
        ax.plot(np.arange(10), np.arange(10) ** i, label=f"series {i}")
        ax.set_xlabel("batch size")
    axes[0].legend(loc="upper left", bbox_to_anchor=(1.02, 1.0), title="model")  # beside the panel, as mnist's
    return fig, axes


def test_panels_are_stacked_in_one_column_and_side_legends_go_below() -> None:
    fig, axes = three_panels()
    relayout_for_phone(fig)
    fig.canvas.draw()
    assert fig.get_size_inches()[0] == PHONE_WIDTH_INCHES
    boxes = [ax.get_position() for ax in axes]
    assert all(abs(b.x0 - boxes[0].x0) < 0.05 for b in boxes)  # one column
    assert all(upper.y0 > lower.y1 for upper, lower in itertools.pairwise(boxes))  # rows, top to bottom, not overlapping
    renderer = fig.canvas.get_renderer()
    legend, panel = axes[0].get_legend().get_window_extent(renderer), axes[0].get_window_extent(renderer)
    assert legend.y1 < panel.y0 and legend.x1 <= fig.bbox.width  # under its panel, inside the figure
    assert axes[1].get_window_extent(renderer).y1 < legend.y0  # and above the next panel
    assert all("\n" not in ax.get_ylabel() for ax in axes)  # short y labels stay on one line
    title = fig._suptitle.get_text()
    assert "\n" in title and max(len(line) for line in title.split("\n")) < 60


def test_a_crowded_legend_inside_a_panel_goes_below_without_narrowing_it() -> None:
    """minratio's 5-entry legend sat inside its panel and covered the points on the phone copy (screenshot at 390 px);
    moved below with its long entries, it narrowed the panel to half the figure, so moved entries wrap."""
    fig, axes = figure("Hessian at the end of training", ncols=2, size=(10.0, 4.0))
    for i in range(5):
        axes[0].plot(np.arange(10), np.arange(10) + i, label=f"non-negligible: pos/(pos+neg) over |λ| > 1e-06·max|λ| ({i} run)")
    axes[0].legend(loc="center left")
    axes[1].plot(np.arange(10), label="one")
    axes[1].legend(loc="upper left")
    relayout_for_phone(fig)
    fig.canvas.draw()
    renderer = fig.canvas.get_renderer()
    crowded, panel = axes[0].get_legend().get_window_extent(renderer), axes[0].get_window_extent(renderer)
    assert crowded.y1 < panel.y0 and axes[1].get_window_extent(renderer).y1 < crowded.y0  # between the two panels
    assert crowded.x1 <= fig.bbox.width and panel.width > 0.6 * fig.bbox.width  # inside the figure; the panel keeps its width
    short, second = axes[1].get_legend().get_window_extent(renderer), axes[1].get_window_extent(renderer)
    assert second.y0 <= short.y0 and short.y1 <= second.y1  # one entry: it stays inside its panel


def test_a_y_label_longer_than_the_panel_is_tall_wraps() -> None:
    """sensitivity's sharpness label ran past the top and bottom of its 3.3-in panel on the phone copy."""
    fig, axes = figure("Sharpness", ncols=2, size=(10.0, 4.0))
    axes[0].set_ylabel("100·(L(θ+δ) − L(θ)) / (1 + L(θ)) [%], train loss")
    relayout_for_phone(fig)
    fig.canvas.draw()
    label = axes[0].yaxis.label
    assert "\n" in label.get_text()
    extent, panel = label.get_window_extent(fig.canvas.get_renderer()), axes[0].get_window_extent()
    assert extent.height <= panel.height  # within the panel's height


def test_every_figure_gets_a_phone_copy_whose_text_a_phone_can_read(tmp_path: Path) -> None:
    out = tmp_path / "g"
    result = run_cli("gradnorm", "--iterations", "20", "-q", "-o", out)
    assert result.exit_code == 0, result.output
    figures = sorted(p.name for p in out.glob("*.png") if not is_phone_copy(p.name))
    listed = json.loads((out / "run.json").read_text())["files"]
    assert figures
    for name in figures:
        phone = out / phone_name(name)
        assert phone.is_file() and phone.name in listed  # a rerun sets it aside with its figure
        # 11-pt text at 160 dpi, the PNG scaled to the phone's page width: at least 10 CSS px
        css_px = 11 * 160 / 72 * PHONE_PAGE_PX / png_width(phone)
        assert css_px >= 10, (name, png_width(phone), css_px)
        assert png_width(out / name) > png_width(phone)  # the desktop figure stays as drawn
