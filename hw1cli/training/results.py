"""What a fit reports: one EpochStats per epoch, and how the fit ended (FitResult)."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class EpochStats:
    """What the trainer itself knows after an epoch; experiments add evaluations in their callback."""

    epoch: int  # 1-based
    # Means over the epoch's batches while the weights moved (train mode): not the trained model's numbers on
    # the whole set, which experiments measure with `evaluate` and log as train_loss / train_acc.
    running_loss: float  # of the minimised objective
    running_acc: float | None  # classification without an objective, else None
    epoch_seconds: float  # wall time of the training steps alone (evaluation excluded)


@dataclass
class FitResult:
    status: str  # completed | stopped (a callback asked) | diverged (non-finite loss)
    epochs: int  # epochs finished
    history: list[EpochStats] = field(default_factory=list)

