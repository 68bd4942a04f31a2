"""`hw1 pca`'s config: its fields (the defaults of the specification), checks and quick preset."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from hw1cli.configs.choices import ACTIVATIONS, OPTIMIZERS
from hw1cli.configs.data import DataConfig
from hw1cli.configs.fields import option
from hw1cli.errors import UsageError
from hw1cli.validate import mlp_params, require_at_least, require_memory, require_positive, require_trainable


@dataclass(frozen=True)
class PcaConfig(DataConfig):
    runs: int = option(8, "Runs trained together as one ensemble (seeds seed..seed+runs-1).")
    hidden: tuple[int, ...] = option((10, 20), "Hidden layer widths, one per layer (repeat or use commas): "
                                               "784-10-20-10 has 8,280 parameters.")
    activation: str = option("relu", "relu, leaky_relu or tanh.", choices=ACTIVATIONS)
    epochs: int = option(45, "Training epochs.")
    batch_size: int = option(1000, "Minibatch size.")
    optimizer: str = option("adam", "adam, sgd or rmsprop.", choices=OPTIMIZERS)
    lr: float = option(4e-4, "Learning rate.")
    weight_decay: float = option(1e-4, "L2 weight decay.")
    every: int = option(3, "Epochs between parameter snapshots (epoch 0 and the last are always taken).")
    seed: int = 0
    device: str = "auto"

    def __post_init__(self) -> None:
        self.check_data()
        if not self.hidden or min(self.hidden) < 1:
            raise UsageError("--hidden widths must be >= 1 (give at least one)")
        if self.activation not in ACTIVATIONS:
            raise UsageError(f"--activation must be one of {', '.join(ACTIVATIONS)}, not {self.activation!r}")
        require_at_least(self, 1, "runs", "epochs", "batch_size", "every")
        params = mlp_params(self.input_size, self.hidden, 10)
        require_trainable("--hidden", max(self.hidden), params)
        require_trainable("--runs", self.runs, params, self.runs)
        snapshots = self.epochs // self.every + 2  # per run, kept for the PCA: name whichever factor is the large one
        blamed = ("--runs", self.runs) if self.runs >= snapshots else ("--epochs", self.epochs)
        require_memory(*blamed, self.runs * snapshots * params * 4)
        if self.optimizer not in OPTIMIZERS:
            raise UsageError(f"--optimizer must be one of {', '.join(OPTIMIZERS)}, not {self.optimizer!r}")
        require_positive(self, "lr")
        require_at_least(self, 0, "weight_decay")


# Quick runs must still show paths: with batch 1000 and lr 4e-4 a few epochs are ~8 steps, too short to move
# away from the initialisations, which alone then span the plane (PC1+PC2 "explain" 99.9%). Measured on digits:
# these settings move every run by 24-31% of the plane's extent (train acc 0.1 -> 0.8-0.9), PC1+PC2 84%.
QUICK: dict[str, Any] = {"runs": 3, "epochs": 6, "every": 1, "batch_size": 100, "lr": 5e-3}
