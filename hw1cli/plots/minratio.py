"""Figure of `hw1 minratio`: minimal ratio against final loss, one point per run."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from matplotlib.figure import Figure

from hw1cli.plots.common import colors, figure, log_if_spanning


def ratio_vs_loss(rows: Sequence[Mapping[str, Any]], grad_tol: float, params: int) -> Figure:
    """Scatter of minimal ratio vs loss; runs that missed ‖∇L‖ < grad_tol are drawn as crosses."""
    measured = [r for r in rows if r.get("minimal_ratio") is not None]
    reached = [r for r in measured if r["reached_tol"]]
    missed = [r for r in measured if not r["reached_tol"]]
    fig, (ax,) = figure(f"Minimal ratio at the end of training ({len(measured)} runs, {params} parameters)")
    first, second = colors(2)
    if reached:
        ax.scatter([r["loss"] for r in reached], [r["minimal_ratio"] for r in reached], s=22, color=first,
                   alpha=0.8, label=f"‖∇L‖ < {grad_tol:g} ({len(reached)} runs)")
    if missed:
        ax.scatter([r["loss"] for r in missed], [r["minimal_ratio"] for r in missed], s=40, marker="x",
                   color=second, label=f"missed the tolerance ({len(missed)} runs)")
    log_if_spanning(ax, [r["loss"] for r in measured], axis="x", decades=1.0)
    ax.set_xlabel("training loss (MSE, full data)")
    ax.set_ylabel("minimal ratio (fraction of Hessian eigenvalues > 0)")
    ax.legend()
    return fig
