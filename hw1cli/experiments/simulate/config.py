"""`hw1 simulate`'s config: its fields (the defaults of the specification), checks and quick preset."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from hw1cli.configs.choices import FUNCTIONS
from hw1cli.configs.fields import option
from hw1cli.configs.sizes import width_for_budget
from hw1cli.errors import UsageError
from hw1cli.validate import require_at_least, require_points, require_trainable, require_x_range


@dataclass(frozen=True)
class SimulateConfig:
    function: tuple[str, ...] = option(("sinc", "sign"), "Targets to fit: sinc and/or sign (repeat or use commas).",
                                       choices=FUNCTIONS)
    depth: tuple[int, ...] = option((1, 4, 7), "Hidden layers of each model (repeat or use commas).")
    params: int = option(571, "Parameter budget; each depth's width is solved to match it.")
    points: int = option(300, "Training points on the grid.")
    x_min: float = option(-1.5, "Grid start (inclusive): the grid is [x-min, x-max).")
    x_max: float = option(1.5, "Grid end (exclusive).")
    epochs: int = option(20000, "Full-batch epochs at most.")
    lr: float = option(1e-3, "Adam learning rate.")
    weight_decay: float = option(1e-4, "Adam weight decay.")
    loss_tol: float = option(1e-3, "Converged once the loss is below this ...")
    change_tol: float = option(1e-5, "... and moved less than this over the last --patience epochs.")
    patience: int = option(3, "Epochs the loss must stay flat.")
    seeds: int = option(1, "Train every depth with this many seeds (seed..seed+K-1).")
    seed: int = 0
    device: str = "auto"

    def __post_init__(self) -> None:
        if not self.function:
            raise UsageError("give at least one --function")
        for name in self.function:
            if name not in FUNCTIONS:
                raise UsageError(f"unknown --function {name!r}; choose from {', '.join(FUNCTIONS)}")
        if not self.depth or min(self.depth) < 1:
            raise UsageError("--depth must be >= 1")
        require_at_least(self, 1, "epochs", "points", "seeds", "patience", "params")
        if self.points < 2:
            raise UsageError(f"--points must be >= 2, not {self.points}")
        if not self.x_min < self.x_max:
            raise UsageError(f"--x-min ({self.x_min}) must be below --x-max ({self.x_max})")
        if self.lr <= 0 or self.weight_decay < 0 or self.loss_tol <= 0 or self.change_tol < 0:
            raise UsageError("--lr and --loss-tol must be > 0; --weight-decay and --change-tol >= 0")
        require_x_range(self)
        require_trainable("--params", self.params, self.params)
        for depth in self.depth:  # width_for_budget raises if the budget cannot hold this depth
            require_points(self.points, depth * width_for_budget(depth, self.params))


QUICK: dict[str, Any] = {"epochs": 300, "points": 100, "depth": (1, 4)}
