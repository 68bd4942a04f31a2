"""Figure of `hw1 gradnorm`: gradient norm and loss per iteration, two panels sharing the x axis."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from matplotlib.figure import Figure

from hw1cli.plots.common import figure, plain_log_ticks, styled


@styled
def gradnorm_figure(rows: Sequence[Mapping[str, Any]], label: str, batch_size: int | None = None) -> Figure:
    """Each step's gradient norm and loss; with minibatches (batch_size) they are the minibatch's, and the
    exact full-training-set values, where measured (full_* columns), are drawn over them as points."""
    what = "full batch" if batch_size is None else f"minibatch of {batch_size}, BatchNorm in train mode"
    fig, (top, bottom) = figure(f"Gradient norm and loss during training: {label}", nrows=2, size=(7, 6), sharex=True)
    iterations = [r["iteration"] for r in rows]
    full = [r for r in rows if r.get("full_grad_norm") is not None]
    for ax, column, color, name in ((top, "grad_norm", "tab:red", "‖∇L‖₂"), (bottom, "loss", "tab:blue", "loss")):
        ax.plot(iterations, [r[column] for r in rows], color=color, linewidth=1, alpha=0.7 if full else 1.0,
                label=f"{name} of each step's {what}")
        if full:
            ax.plot([r["iteration"] for r in full], [r[f"full_{column}"] for r in full], "o-", color="black",
                    markersize=3.5, linewidth=1, label=f"{name} of the full training set (eval mode, no update)")
        ax.set_yscale("log")
        plain_log_ticks(ax, [r[column] for r in rows] + [r[f"full_{column}"] for r in full])
        ax.legend(fontsize="small", loc="upper right")
    top.set_ylabel("‖∇L‖₂ over all parameters (log)")
    bottom.set_ylabel("training loss (log)")
    bottom.set_xlabel("iteration (optimizer step)")
    return fig
