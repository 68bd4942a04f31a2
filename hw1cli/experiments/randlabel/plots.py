"""Figures of `hw1 randlabel`: loss and accuracy vs epoch, train (random labels) vs test (true labels)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from matplotlib.figure import Figure

from hw1cli.plots.common import figure, log_if_spanning, styled

Rows = Sequence[Mapping[str, float]]
TRAIN_LABEL = "train (random labels)"
TEST_LABEL = "test (true labels)"


def _title(what: str, noise: float, dataset: str) -> str:
    return f"{what} on {dataset} with {noise:.0%} of training labels randomised"


@styled
def loss_curves(rows: Rows, noise: float, dataset: str) -> Figure:
    """Cross-entropy per epoch; log y once memorisation drives the train loss down by decades."""
    fig, (ax,) = figure(_title("Loss", noise, dataset))
    epochs = [r["epoch"] for r in rows]
    ax.plot(epochs, [r["train_loss"] for r in rows], label=TRAIN_LABEL, color="tab:blue")
    ax.plot(epochs, [r["test_loss"] for r in rows], label=TEST_LABEL, color="tab:orange")
    log_if_spanning(ax, [r[c] for r in rows for c in ("train_loss", "test_loss")])
    ax.set_xlabel("epoch")
    ax.set_ylabel("cross-entropy (eval mode, whole set)")
    ax.legend()
    return fig


@styled
def accuracy_curves(rows: Rows, noise: float, dataset: str, num_classes: int) -> Figure:
    """Accuracy per epoch with the chance level marked: test accuracy should sit near it when noise is 1."""
    fig, (ax,) = figure(_title("Accuracy", noise, dataset))
    epochs = [r["epoch"] for r in rows]
    ax.plot(epochs, [r["train_acc"] for r in rows], label=TRAIN_LABEL, color="tab:blue")
    ax.plot(epochs, [r["test_acc"] for r in rows], label=TEST_LABEL, color="tab:orange")
    ax.axhline(1 / num_classes, color="gray", linestyle="--", linewidth=1, label=f"chance (1/{num_classes})")
    ax.set_ylim(0, 1.02)
    ax.set_xlabel("epoch")
    ax.set_ylabel("accuracy (eval mode, whole set)")
    ax.legend()
    return fig
