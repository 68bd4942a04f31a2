"""`hw1 simulate`'s config: its fields (the defaults of the specification), checks and quick preset."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from hw1cli.configs.choices import FUNCTIONS
from hw1cli.configs.fields import option
from hw1cli.configs.sizes import width_for_budget
from hw1cli.errors import UsageError
from hw1cli.validate import (
    MAX_DEPTH,
    MAX_SEEDS,
    mlp_params,
    require_at_least,
    require_at_most,
    require_points,
    require_trainable,
    require_x_range,
)

# equal: every hidden layer as wide as the budget allows. notebook: the course notebooks' shape, first and last
# hidden layers half as wide as the middle ones (depth 7 at 571 params: 5-10-10-10-10-10-5, exactly 571), which
# #26 found collapses less often on sign (1 of 10 seeds vs 3 of 10 at equal widths).
WIDTH_SCHEDULES = ("equal", "notebook")


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
    widths: str = option("equal", "Hidden widths per depth: equal, or notebook (the course notebooks' shape: the "
                                  "ends half the middle width, 5-10-10-10-10-10-5 at depth 7).", choices=WIDTH_SCHEDULES)
    seed: int = 0
    device: str = "auto"

    def __post_init__(self) -> None:
        if not self.function:
            raise UsageError("give at least one --function")
        for name in self.function:
            if name not in FUNCTIONS:
                raise UsageError(f"unknown --function {name!r}; choose from {', '.join(FUNCTIONS)}")
        if len(set(self.function)) != len(self.function):
            raise UsageError(f"--function lists a function twice: {', '.join(self.function)}")
        if not self.depth or min(self.depth) < 1:
            raise UsageError("--depth must be >= 1")
        if max(self.depth) > MAX_DEPTH:
            raise UsageError(f"--depth must be at most {MAX_DEPTH:,}, not {max(self.depth):,}")
        if len(set(self.depth)) != len(self.depth):
            raise UsageError(f"--depth lists {next(d for d in self.depth if self.depth.count(d) > 1)} twice")
        require_at_least(self, 1, "epochs", "points", "seeds", "patience", "params")
        require_at_most(self, MAX_SEEDS, "seeds")
        if self.points < 2:
            raise UsageError(f"--points must be >= 2, not {self.points}")
        if not self.x_min < self.x_max:
            raise UsageError(f"--x-min ({self.x_min}) must be below --x-max ({self.x_max})")
        if self.lr <= 0 or self.weight_decay < 0 or self.loss_tol <= 0 or self.change_tol < 0:
            raise UsageError("--lr and --loss-tol must be > 0; --weight-decay and --change-tol >= 0")
        require_x_range(self)
        if self.widths not in WIDTH_SCHEDULES:
            raise UsageError(f"--widths must be one of {', '.join(WIDTH_SCHEDULES)}, not {self.widths!r}")
        require_trainable("--params", self.params, self.params)
        for depth in self.depth:  # width_for_budget raises if the budget cannot hold this depth
            require_points(self.points, sum(hidden_widths(depth, self.params, self.widths)))


QUICK: dict[str, Any] = {"epochs": 300, "points": 100, "depth": (1, 4)}


def hidden_widths(depth: int, budget: int, schedule: str = "equal") -> tuple[int, ...]:
    """The hidden layers' widths of a 1 -> ... -> 1 MLP of `depth` hidden layers closest to `budget` parameters.

    notebook: ends half the middle width (middle width w, ends w // 2, at least 1); depths 1 and 2 have no
    middle, so they get equal widths as well. Ties go to the smaller net, as in width_for_budget.
    """
    width = width_for_budget(depth, budget)
    if schedule == "equal" or depth <= 2:
        return (width,) * depth

    def shape(w: int) -> tuple[int, ...]:
        end = max(1, w // 2)
        return (end, *[w] * (depth - 2), end)

    # Half-width ends hold fewer parameters than equal widths, so the middle width is at least the equal one;
    # the count grows with it: walk up from there (a few steps: the ends are two layers of many).
    w = width
    while mlp_params(1, shape(w + 1), 1) <= budget:
        w += 1
    below, above = abs(budget - mlp_params(1, shape(w), 1)), abs(mlp_params(1, shape(w + 1), 1) - budget)
    return shape(w + 1) if above < below else shape(w)
