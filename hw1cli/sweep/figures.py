"""Figures of `hw1 sweep`: each key number against each swept option, mean ± standard error over seeds.

One figure per swept option, one panel per key number; the other swept options' combinations are the lines
(averaged together, and the title says so, when there would be more than MAX_LINES of them).
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Mapping, Sequence
from typing import Any

from matplotlib.figure import Figure

from hw1cli.plots.common import colors, figure, log_if_spanning, styled
from hw1cli.sweep.keys import finite_number, mean_and_error

MAX_LINES = 8
MAX_PANELS = 9




def literal(text: str) -> str:
    """Text drawn as written: a key number's label comes from the points' summary.csv, and matplotlib would
    parse a "$...$" in it as math (a malformed one raises instead of drawing the figure)."""
    return str(text).replace("$", r"\$")

def _positions(values: Sequence[str]) -> tuple[list[float], bool, bool]:
    """x positions of an option's values: the numbers themselves (log when positive and spanning a
    decade or more), else 0, 1, 2... with the values as tick labels. Returns (positions, numeric, log)."""
    numbers = [finite_number(v) for v in values]
    if all(n is not None for n in numbers):
        xs = [float(n) for n in numbers]  # type: ignore[arg-type]
        log = min(xs) > 0 and max(xs) / min(xs) >= 10
        return xs, True, log
    return [float(i) for i in range(len(values))], False, False


@styled
def versus_option(experiment: str, rows: Sequence[Mapping[str, Any]], grid: Mapping[str, Sequence[str]],
                  option: str, keys: Sequence[str]) -> Figure:
    """Every key number (one panel each) against `option`; lines for the other options' combinations."""
    others = [name for name in grid if name != option]
    combos = sorted({tuple(str(r[o]) for o in others) for r in rows})
    merged = len(combos) > MAX_LINES
    lines = [()] if merged else combos
    seeds = len({r["seed"] for r in rows})
    how = f"mean ± s.e. over {seeds} seeds" if seeds > 1 else "one seed"
    title = f"hw1 sweep {experiment}: key numbers vs --{option.replace('_', '-')} ({how}"
    title += f", averaged over {', '.join(others)})" if merged else ")"
    keys = list(keys)[:MAX_PANELS]
    ncols = min(3, max(1, len(keys)))
    nrows = math.ceil(len(keys) / ncols)
    fig, axes = figure(title, ncols=ncols, nrows=nrows, size=(4.6 * ncols, 3.6 * nrows))
    values = list(grid[option])
    xs, numeric, log = _positions(values)
    for ax, key in zip(axes, keys):
        drawn: list[float] = []
        for color, line in zip(colors(len(lines)), lines):
            samples: dict[str, list[float]] = defaultdict(list)
            for row in rows:
                number = finite_number(row.get(key))
                if number is not None and (merged or tuple(str(row[o]) for o in others) == line):
                    samples[str(row[option])].append(number)
            points = [(x, *mean_and_error(samples[v])) for x, v in zip(xs, values) if samples[v]]
            if not points:
                continue
            label = literal(", ".join(f"{o}={v}" for o, v in zip(others, line))) or None
            px, mean, error = zip(*points)
            ax.errorbar(px, mean, yerr=error, marker="o", capsize=3, color=color, label=label)
            drawn += list(mean)
        if log:
            ax.set_xscale("log")
        if not numeric:
            ax.set_xticks(xs, [literal(v) for v in values])
        log_if_spanning(ax, drawn, decades=2)
        ax.set_xlabel(f"--{option.replace('_', '-')}" + (" (log scale)" if log else ""))
        ax.set_ylabel(f"{literal(key)} (final, summary.csv)")
        if lines != [()] and ax is axes[0]:
            ax.legend(title=", ".join(others))
    for ax in axes[len(keys):]:
        ax.set_visible(False)
    return fig
