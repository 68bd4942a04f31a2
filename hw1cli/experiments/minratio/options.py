"""`hw1 minratio`: its own options, the Typer face of configs/minratio.py."""

from __future__ import annotations

from typing import Annotated

import typer

from hw1cli.configs.choices import ACTIVATIONS, FUNCTIONS, choice
from hw1cli.experiments.minratio.config import MinratioConfig as C

Function = choice("Function", FUNCTIONS)
Activation = choice("Activation", ACTIVATIONS)


def options(
    runs: Annotated[int, typer.Option(help="Independent runs (seeds seed..seed+runs-1), trained as one ensemble.")] = C.runs,
    function: Annotated[Function, typer.Option(help="Target to fit: sinc or sign.")] = Function(C.function),
    hidden: Annotated[list[int], typer.Option(help="Hidden layer width (repeat for each layer).")] = list(C.hidden),
    activation: Annotated[Activation, typer.Option(help="tanh, relu or leaky_relu (smooth keeps the Hessian meaningful).")] = Activation(C.activation),
    points: Annotated[int, typer.Option(help="Training points on the grid (full batch).")] = C.points,
    x_min: Annotated[float, typer.Option(help="Grid start (inclusive).")] = C.x_min,
    x_max: Annotated[float, typer.Option(help="Grid end (exclusive).")] = C.x_max,
    warmup_epochs: Annotated[int, typer.Option(help="Full-batch MSE steps before minimising ‖∇L‖².")] = C.warmup_epochs,
    warmup_lr: Annotated[float, typer.Option(help="Adam learning rate of the MSE warm-up.")] = C.warmup_lr,
    grad_lr: Annotated[float, typer.Option(help="Adam learning rate on ‖∇L‖².")] = C.grad_lr,
    grad_tol: Annotated[float, typer.Option(help="A run stops once ‖∇L‖ is below this.")] = C.grad_tol,
    min_grad_steps: Annotated[int, typer.Option(help="‖∇L‖² steps every run takes before the tolerance is checked (capped at --max-grad-steps).")] = C.min_grad_steps,
    max_grad_steps: Annotated[int, typer.Option(help="‖∇L‖² steps at most.")] = C.max_grad_steps,
    eig_tol: Annotated[float, typer.Option(help="Tolerant ratio: |λ| <= eig-tol·max|λ| counts as zero.")] = C.eig_tol,
    hessian_chunk: Annotated[int, typer.Option(help="Hessians computed at once (lower it to save memory).")] = C.hessian_chunk,
    log_every: Annotated[int, typer.Option(help="Warm-up epochs between rows of metrics.csv.")] = C.log_every,
) -> None:
    """Train to near-critical points (‖∇L‖ → 0) and measure the exact Hessian's minimal ratio (HW1-2).

    Loss phase (MSE), then ‖∇L‖² phase (at least --min-grad-steps, then until ‖∇L‖ < --grad-tol). Writes
    summary.csv (per run: each phase's steps, loss, grad norm, the strict minimal ratio, the ratio with
    |λ| <= --eig-tol·max|λ| counted as zero, and λmin/max|λ|), eigenvalues.csv and minratio_vs_loss.png.

    Examples:

      hw1 minratio                        # 100 runs of a 1-10-10-1 tanh net on sinc, 141 parameters

      hw1 minratio --runs 20 --seed 100 -o outputs/minratio-20     # 20 other initialisations
    """
