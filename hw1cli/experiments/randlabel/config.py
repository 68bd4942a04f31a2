"""`hw1 randlabel`'s config: its fields (the defaults of the specification), checks and quick preset."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from hw1cli.configs.data import DataConfig
from hw1cli.configs.fields import option
from hw1cli.errors import UsageError
from hw1cli.validate import mlp_params, require_at_least, require_positive, require_trainable


@dataclass(frozen=True)
class RandlabelConfig(DataConfig):
    noise: float = option(1.0, "Fraction of training labels replaced by a uniformly random class, in (0, 1].")
    hidden: tuple[int, ...] = option((512, 512), "Hidden layer widths of the MLP, one per layer (repeat or use commas).")
    epochs: int = option(100, "Training epochs.")
    batch_size: int = option(128, "Minibatch size.")
    lr: float = option(1e-3, "Adam learning rate.")
    seed: int = 0  # labels, initialisation, data order and --subset draw all derive from it
    device: str = "auto"

    def __post_init__(self) -> None:
        self.check_data()
        if not (0 < self.noise <= 1):  # also rejects NaN
            raise UsageError(f"--noise must be in (0, 1] (the fraction of labels replaced), not {self.noise}")
        if not self.hidden or min(self.hidden) < 1:
            raise UsageError(f"--hidden widths must be >= 1 and at least one, got {list(self.hidden)}")
        require_at_least(self, 1, "epochs", "batch_size")
        require_trainable("--hidden", max(self.hidden), mlp_params(self.input_size, self.hidden, 10))
        require_positive(self, "lr")


QUICK: dict[str, Any] = {"subset": 500, "test_subset": 300, "epochs": 40}
