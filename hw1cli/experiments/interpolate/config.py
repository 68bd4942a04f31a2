"""`hw1 interpolate`'s config: its fields (the defaults of the specification), checks and quick preset."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from hw1cli.configs.choices import CLASSIFIERS, VARY, check_classifier
from hw1cli.configs.data import DataConfig
from hw1cli.configs.fields import eval_every_option, option
from hw1cli.errors import UsageError
from hw1cli.validate import mlp_params, require_at_least, require_grid, require_positive, require_trainable

MAX_GRID_POINTS = 10_001  # every point is a full evaluation of both sets
LENGTHS = ("steps", "epochs")  # what A and B train equally long in


@dataclass(frozen=True)
class InterpolateConfig(DataConfig):
    vary: str = option("batch-size", "The one setting models A and B differ in: batch-size or lr.", choices=VARY)
    batch_size: int = option(64, "Model A's minibatch size (and B's, unless --vary batch-size).")
    batch_size_b: int = option(1024, "Model B's minibatch size with --vary batch-size.")
    lr: float = option(1e-3, "Model A's Adam learning rate (and B's, unless --vary lr).")
    lr_b: float = option(1e-2, "Model B's learning rate with --vary lr.")
    model: str = option("mlp", "mlp or lenet.", choices=CLASSIFIERS)
    hidden: tuple[int, ...] = option((256, 256), "MLP hidden layer widths, one per layer (repeat or use commas; "
                                                 "ignored by lenet).")
    epochs: int = option(20, "Model A's training epochs (and B's with --length epochs).")
    # epochs (the default): both run --epochs, as Keskar et al. did, so with a larger batch B takes fewer steps;
    # steps: B trains as many optimizer steps as A (#26: 160 vs 2,500 steps at equal epochs), 16x B's epochs.
    length: str = option("epochs", "What A and B train equally long in: epochs (B with a larger batch takes fewer "
                                   "steps) or steps (B runs more epochs).", choices=LENGTHS)
    eval_every: int = eval_every_option()
    independent_init: bool = option(False, "Initialise B from seed+1 instead of sharing A's initialisation.")
    from_init: bool = option(False, "Goodfellow's line: from A's initialisation (α=0) to trained A (α=1); no model B.")
    alpha_min: float = option(-1.0, "First α of the grid (<= 0).")
    alpha_max: float = option(2.0, "Last α of the grid (>= 1).")
    alpha_step: float = option(0.1, "Grid spacing, 1/n for a whole n, so that 0 and 1 are grid points.")
    seed: int = 0
    device: str = "auto"

    def unused_options(self) -> list[tuple[str, tuple[str, ...]]]:
        """B's value of the setting that is not varied, and MLP widths for LeNet, would be silently ignored."""
        return [(f"--vary {self.vary}", ("lr_b",) if self.vary == "batch-size" else ("batch_size_b",)),
                (f"--model {self.model}", ("hidden",) if self.model != "mlp" else ()),
                ("--from-init", ("vary", "batch_size_b", "lr_b", "independent_init", "length") if self.from_init else ())]

    def __post_init__(self) -> None:
        self.check_data()
        if self.vary not in VARY:
            raise UsageError(f"--vary must be one of {', '.join(VARY)}, not {self.vary!r}")
        check_classifier(self.model, self.hidden)
        if self.model == "mlp":  # A, B and the interpolated model
            require_trainable("--hidden", max(self.hidden), mlp_params(self.input_size, self.hidden, 10), 3)
        if self.length not in LENGTHS:
            raise UsageError(f"--length must be one of {', '.join(LENGTHS)}, not {self.length!r}")
        require_at_least(self, 1, "batch_size", "batch_size_b", "epochs")
        require_at_least(self, 0, "eval_every")
        require_positive(self, "lr", "lr_b")
        same = self.lr_b == self.lr if self.vary == "lr" else self.batch_size_b == self.batch_size
        if same and not self.independent_init and not self.from_init:
            option = "--lr-b equals --lr" if self.vary == "lr" else "--batch-size-b equals --batch-size"
            raise UsageError(f"{option}: A and B would be the same model; change one, or pass --independent-init")
        if not (self.alpha_min <= 0 and self.alpha_max >= 1):
            raise UsageError(f"the α range must hold 0 and 1: --alpha-min <= 0 <= 1 <= --alpha-max, got "
                             f"[{self.alpha_min}, {self.alpha_max}]")
        per_unit = 1 / self.alpha_step if self.alpha_step > 0 else math.nan
        if not (math.isfinite(per_unit) and abs(per_unit - round(per_unit)) < 1e-6 * per_unit):
            raise UsageError(f"--alpha-step must be 1/n for a whole n (0.1, 0.05, 0.25...), not {self.alpha_step}")
        require_grid("--alpha-step", self.alpha_min, self.alpha_max, self.alpha_step, MAX_GRID_POINTS)


QUICK: dict[str, Any] = {
    "subset": 1000, "test_subset": 300, "epochs": 2, "hidden": (64,), "alpha_step": 0.25, "batch_size_b": 500,
}


def alpha_grid(alpha_min: float, alpha_max: float, step: float) -> list[float]:
    """α = k/n for whole k, n = 1/step: division by a whole number makes 0/n and n/n exactly 0.0 and 1.0."""
    n = round(1 / step)
    first, last = math.ceil(alpha_min * n - 1e-9), math.floor(alpha_max * n + 1e-9)
    return [k / n for k in range(first, last + 1)]
