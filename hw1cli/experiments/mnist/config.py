"""`hw1 mnist`'s config: its fields (the defaults of the specification), checks and quick preset."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from hw1cli.configs.choices import CNN_MODELS, OPTIMIZERS
from hw1cli.configs.data import DataConfig
from hw1cli.errors import UsageError
from hw1cli.validate import require_at_least, require_positive


@dataclass(frozen=True)
class MnistConfig(DataConfig):
    model: tuple[str, ...] = ("shallow", "medium", "deep")  # equal-size CNNs of 1, 2 and 4 conv layers
    epochs: int = 10
    batch_size: int = 64
    optimizer: str = "sgd"  # sgd | adam | rmsprop
    lr: float = 0.01
    momentum: float = 0.5  # sgd and rmsprop only
    seed: int = 0  # every model gets seed+i at its i-th seed (init and data order), whatever the other models
    seeds: int = 1  # train every model with seeds seed..seed+seeds-1 (the claims compare models over all of them)
    device: str = "auto"

    def unused_options(self) -> list[tuple[str, tuple[str, ...]]]:
        return [(f"--optimizer {self.optimizer}", ("momentum",) if self.optimizer == "adam" else ())]

    def __post_init__(self) -> None:
        self.check_data()
        if not self.model:
            raise UsageError("give at least one --model")
        for name in self.model:
            if name not in CNN_MODELS:
                raise UsageError(f"unknown --model {name!r}; choose from {', '.join(CNN_MODELS)}")
        if len(set(self.model)) != len(self.model):
            raise UsageError(f"--model lists a model twice: {', '.join(self.model)}")
        require_at_least(self, 1, "epochs", "batch_size", "seeds")
        if self.optimizer not in OPTIMIZERS:
            raise UsageError(f"--optimizer must be one of {', '.join(OPTIMIZERS)}, not {self.optimizer!r}")
        require_positive(self, "lr")
        if not (self.momentum >= 0 and math.isfinite(self.momentum)):
            raise UsageError(f"--momentum must be >= 0, not {self.momentum}")


# 3,000 balanced training images and 2 epochs (~94 steps) already put both CNNs above 0.9 test accuracy.
QUICK: dict[str, Any] = {"model": ("shallow", "deep"), "subset": 3000, "test_subset": 1000, "epochs": 2}
