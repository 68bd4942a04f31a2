"""What the training steps work on: the fit's fixed StepSetup, each epoch's minibatch indices (slices of a
seeded on-device permutation), and the arguments fit and fit_ensemble refuse."""

from __future__ import annotations

from dataclasses import dataclass

import torch
from torch import Tensor, nn

from hw1cli.errors import UsageError
from hw1cli.training.optim import LossFn


@dataclass(frozen=True, kw_only=True)
class StepSetup:
    """Everything a training step reads, fixed for the whole fit: the eager loop and the static step share it."""

    model: nn.Module
    x: Tensor
    y: Tensor
    opt: torch.optim.Optimizer
    loss_fn: LossFn
    batch_size: int | None  # None: full batch
    classification: bool  # integer labels: the step also counts correct predictions


def batch_indices(n: int, batch_size: int | None, gen: torch.Generator, device: torch.device) -> list[Tensor | None]:
    """One epoch's minibatches as index tensors; `[None]` means the full batch (no copy, no shuffle)."""
    if batch_size is None or batch_size >= n:
        return [None]
    order = torch.randperm(n, generator=gen, device=device)
    return list(order.split(batch_size))


def check_fit_arguments(epochs: int, batch_size: int | None, examples: int) -> None:
    """What fit and fit_ensemble refuse: negative epochs, an empty batch, a batch bigger than the data."""
    if epochs < 0:
        raise UsageError(f"epochs must be >= 0, not {epochs}")
    if batch_size is not None and batch_size < 1:
        raise UsageError(f"batch size must be >= 1, not {batch_size}")
    if batch_size is not None and batch_size > examples:
        raise UsageError(f"batch size {batch_size} is larger than the training set ({examples} examples)")
