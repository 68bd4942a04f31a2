"""`hw1 minratio`'s config: its fields (the defaults of the specification), checks and quick preset."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from hw1cli.configs.choices import ACTIVATIONS, FUNCTIONS
from hw1cli.configs.fields import option
from hw1cli.errors import UsageError
from hw1cli.validate import (
    mlp_params,
    require_at_least,
    require_memory,
    require_points,
    require_positive,
    require_trainable,
    require_x_range,
)


@dataclass(frozen=True)
class MinratioConfig:
    runs: int = option(100, "Independent runs (seeds seed..seed+runs-1), trained as one ensemble.")
    function: str = option("sinc", "Target to fit on the grid: sinc or sign.", choices=FUNCTIONS)
    hidden: tuple[int, ...] = option((10, 10), "Hidden layer widths, one per layer (repeat or use commas); "
                                               "1-10-10-1 has 141 parameters.")
    activation: str = option("tanh", "tanh, relu or leaky_relu (smooth keeps the Hessian meaningful everywhere).",
                             choices=ACTIVATIONS)
    points: int = option(300, "Training points on the grid (full batch).")
    x_min: float = option(-1.5, "Grid start (inclusive): the grid is [x-min, x-max).")
    x_max: float = option(1.5, "Grid end (exclusive).")
    warmup_epochs: int = option(1000, "Full-batch MSE steps before minimising ‖∇L‖².")
    warmup_lr: float = option(1e-2, "Adam learning rate of the MSE warm-up.")
    grad_lr: float = option(1e-4, "Adam learning rate on ‖∇L‖².")
    grad_tol: float = option(1e-3, "A run is done once ‖∇L‖ is below this.")
    # The loss phase alone often reaches ‖∇L‖ < grad_tol already (66 of 100 default runs), and the protocol
    # is loss phase, then ‖∇L‖² phase: hence a minimum of ‖∇L‖² steps.
    min_grad_steps: int = option(50, "‖∇L‖² steps every run takes before the tolerance is checked (capped at "
                                     "--max-grad-steps).")
    max_grad_steps: int = option(2000, "‖∇L‖² steps at most.")
    eig_tol: float = option(1e-6, "Tolerant ratio: eigenvalues with |λ| <= eig-tol·max|λ| count as zero.")
    hessian_chunk: int = option(16, "Hessians computed at once (lower it to save memory).")
    log_every: int = option(50, "Warm-up epochs between rows of metrics.csv (every ‖∇L‖² step is logged).")
    seed: int = 0
    device: str = "auto"

    def __post_init__(self) -> None:
        if self.function not in FUNCTIONS:
            raise UsageError(f"unknown --function {self.function!r}; choose from {', '.join(FUNCTIONS)}")
        if self.activation not in ACTIVATIONS:
            raise UsageError(f"--activation must be one of {', '.join(ACTIVATIONS)}, not {self.activation!r}")
        if not self.hidden or min(self.hidden) < 1:
            raise UsageError("--hidden widths must be >= 1 (give at least one)")
        require_at_least(self, 1, "runs", "hessian_chunk", "log_every")
        require_at_least(self, 0, "warmup_epochs", "min_grad_steps", "max_grad_steps")
        require_positive(self, "warmup_lr", "grad_lr", "grad_tol", "eig_tol")
        if self.points < 2:
            raise UsageError(f"--points must be >= 2, not {self.points}")
        if not self.x_min < self.x_max:
            raise UsageError(f"--x-min ({self.x_min}) must be below --x-max ({self.x_max})")
        require_x_range(self)
        params = mlp_params(1, self.hidden, 1)
        require_trainable("--hidden", max(self.hidden), params)
        require_trainable("--runs", self.runs, params, self.runs)
        require_memory("--hidden", max(self.hidden), params**2 * 4 * 2)  # one Hessian and its eigenvectors
        require_memory("--hessian-chunk", self.hessian_chunk, min(self.hessian_chunk, self.runs) * params**2 * 4 * 2)
        require_points(self.points, sum(self.hidden), self.runs)


QUICK: dict[str, Any] = {"runs": 6, "points": 100, "warmup_epochs": 300, "min_grad_steps": 10, "max_grad_steps": 100}
