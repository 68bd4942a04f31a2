"""`hw1 mnist`'s config: its fields (the defaults of the specification), checks and quick preset."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from hw1cli.configs.choices import CNN_MODELS, OPTIMIZERS
from hw1cli.configs.data import DataConfig
from hw1cli.configs.fields import option
from hw1cli.errors import UsageError
from hw1cli.validate import MAX_SEEDS, require_at_least, require_at_most, require_positive


@dataclass(frozen=True)
class MnistConfig(DataConfig):
    model: tuple[str, ...] = option(
        ("shallow", "medium", "deep"), "CNNs to train: shallow, medium, deep (1, 2 and 4 conv layers, ~32k params "
        "each), lenet or cnn; repeat the option or use commas.", choices=CNN_MODELS)
    epochs: int = option(10, "Training epochs.")
    batch_size: int = option(64, "Minibatch size.")
    optimizer: str = option("sgd", "sgd, adam or rmsprop.", choices=OPTIMIZERS)
    lr: float = option(0.01, "Learning rate.")
    momentum: float = option(0.5, "Momentum (sgd and rmsprop only).")
    seeds: int = option(1, "Train every model with this many seeds, seed..seed+K-1 (the claims compare models over "
                           "all of them).")
    seed: int = 0  # every model gets seed+i at its i-th seed (init and data order), whatever the other models
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
        require_at_most(self, MAX_SEEDS, "seeds")
        if self.optimizer not in OPTIMIZERS:
            raise UsageError(f"--optimizer must be one of {', '.join(OPTIMIZERS)}, not {self.optimizer!r}")
        require_positive(self, "lr")
        if not (self.momentum >= 0 and math.isfinite(self.momentum)):
            raise UsageError(f"--momentum must be >= 0, not {self.momentum}")


# 3,000 balanced training images and 2 epochs (~94 steps) already put both CNNs above 0.9 test accuracy.
QUICK: dict[str, Any] = {"model": ("shallow", "deep"), "subset": 3000, "test_subset": 1000, "epochs": 2}
