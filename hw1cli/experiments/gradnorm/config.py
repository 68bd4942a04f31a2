"""`hw1 gradnorm`'s config: its fields (the defaults of the specification), checks and quick preset."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from hw1cli.configs.choices import CNN_MODELS, FUNCTIONS, TASKS
from hw1cli.configs.data import DataConfig
from hw1cli.configs.fields import option
from hw1cli.configs.sizes import width_for_budget
from hw1cli.errors import UsageError
from hw1cli.validate import require_at_least, require_points, require_trainable, require_x_range


@dataclass(frozen=True)
class GradnormConfig(DataConfig):
    task: str = option("sinc", "sinc (1-D function fit, full batch) or mnist (CNN on image minibatches).", choices=TASKS)
    function: str = option("sinc", "Target for --task sinc: sinc or sign.", choices=FUNCTIONS)
    depth: int = option(7, "Hidden layers of the MLP (--task sinc); its width is solved for --params.")
    params: int = option(571, "Parameter budget the MLP width is solved for (--task sinc).")
    points: int = option(300, "Training points on the grid (--task sinc).")
    x_min: float = option(-1.5, "Grid start (inclusive): the grid is [x-min, x-max).")
    x_max: float = option(1.5, "Grid end (exclusive).")
    model: str = option("shallow", "CNN for --task mnist.", choices=CNN_MODELS)
    batch_size: int = option(64, "Minibatch size for --task mnist.")
    full_every: int = option(100, "--task mnist: steps between exact full-training-set gradient norms (0: none).")
    iterations: int = option(2000, "Optimizer steps.")
    lr: float = option(1e-3, "Adam learning rate.")
    weight_decay: float = option(0.0, "Adam weight decay.")
    seed: int = 0
    device: str = "auto"

    def __post_init__(self) -> None:
        self.check_data()
        if self.task not in TASKS:
            raise UsageError(f"unknown --task {self.task!r}; choose from {', '.join(TASKS)}")
        if self.function not in FUNCTIONS:
            raise UsageError(f"unknown --function {self.function!r}; choose from {', '.join(FUNCTIONS)}")
        require_at_least(self, 1, "depth", "params", "iterations", "batch_size")
        require_at_least(self, 0, "full_every")
        if self.points < 2:
            raise UsageError(f"--points must be >= 2, not {self.points}")
        if not self.x_min < self.x_max:  # checked here, not only when the grid is built, so `hw1 all` finds it first
            raise UsageError(f"--x-min ({self.x_min}) must be below --x-max ({self.x_max})")
        if self.lr <= 0 or self.weight_decay < 0:
            raise UsageError("--lr must be > 0 and --weight-decay >= 0")
        require_x_range(self)
        require_trainable("--params", self.params, self.params)
        require_points(self.points, self.depth * width_for_budget(self.depth, self.params))

    def unused_options(self) -> list[tuple[str, tuple[str, ...]]]:
        """Options of the other task: given explicitly, they would be silently ignored. (The data options
        stay allowed with --task sinc: `hw1 all` passes them to every experiment that has them.)"""
        if self.task == "sinc":
            return [("--task sinc", ("model", "batch_size", "full_every"))]
        return [("--task mnist", ("function", "depth", "params", "points", "x_min", "x_max"))]


QUICK: dict[str, Any] = {"iterations": 200, "subset": 1000, "test_subset": 200, "full_every": 20}
