"""What a fit reports: one EpochStats per epoch, and how the fit ended (FitResult)."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class EpochStats:
    """What the trainer itself knows after an epoch; experiments add evaluations in their callback."""

    epoch: int  # 1-based
    train_loss: float  # running mean of the minimised objective over this epoch's batches
    train_acc: float | None  # running accuracy over the epoch (classification), else None
    epoch_seconds: float  # wall time of the training steps alone (evaluation excluded)


@dataclass
class FitResult:
    status: str  # completed | stopped (a callback asked) | diverged (non-finite loss)
    epochs: int  # epochs finished
    history: list[EpochStats] = field(default_factory=list)

