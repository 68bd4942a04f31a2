"""`hw1 minratio`'s config: its fields (the defaults of the specification), checks and quick preset."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from hw1cli.configs.choices import ACTIVATIONS, FUNCTIONS
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
    runs: int = 100  # independent runs, seeds seed..seed+runs-1
    function: str = "sinc"  # target on the grid
    hidden: tuple[int, ...] = (10, 10)  # hidden widths: 1->10->10->1 has 141 parameters
    activation: str = "tanh"  # smooth, so that the Hessian is meaningful everywhere
    points: int = 300  # training grid size (full batch)
    x_min: float = -1.5  # grid is [x_min, x_max)
    x_max: float = 1.5
    warmup_epochs: int = 1000  # full-batch MSE steps before switching to ‖∇L‖²
    warmup_lr: float = 1e-2  # Adam, MSE phase
    grad_lr: float = 1e-4  # Adam, ‖∇L‖² phase
    grad_tol: float = 1e-3  # a run is done once ‖∇L‖ is below this
    # ‖∇L‖² steps every run takes before the tolerance is checked: the loss phase alone often reaches
    # ‖∇L‖ < grad_tol already (66 of 100 default runs), and the protocol is loss phase, then ‖∇L‖² phase.
    min_grad_steps: int = 50  # (capped at max_grad_steps)
    max_grad_steps: int = 2000  # ‖∇L‖² steps at most
    eig_tol: float = 1e-6  # tolerant ratio: eigenvalues with |λ| <= eig_tol·max|λ| count as zero
    hessian_chunk: int = 16  # Hessians computed at once (bounds memory)
    log_every: int = 50  # warm-up epochs between metrics rows (every ‖∇L‖² step is logged)
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
