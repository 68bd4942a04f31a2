"""Figure of `hw1 gradnorm`: gradient norm and loss per iteration, two panels sharing the x axis."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from matplotlib.figure import Figure

from hw1cli.plots.common import figure


def gradnorm_figure(rows: Sequence[Mapping[str, Any]], label: str) -> Figure:
    fig, (top, bottom) = figure(f"Gradient norm and loss during training: {label}", nrows=2, size=(7, 6), sharex=True)
    iterations = [r["iteration"] for r in rows]
    top.plot(iterations, [r["grad_norm"] for r in rows], color="tab:red", linewidth=1)
    top.set_yscale("log")
    top.set_ylabel("‖∇L‖₂ (all parameters, log)")
    bottom.plot(iterations, [r["loss"] for r in rows], color="tab:blue", linewidth=1)
    bottom.set_yscale("log")
    bottom.set_ylabel("training loss (log)")
    bottom.set_xlabel("iteration (optimizer step)")
    return fig
