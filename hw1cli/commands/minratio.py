"""`hw1 minratio`: the Typer face of experiments/minratio.py."""

from __future__ import annotations

from typing import Annotated

import typer

from hw1cli.commands.common import experiment_command
from hw1cli.experiments import minratio as experiment
from hw1cli.experiments.minratio import MinratioConfig as C


@experiment_command("minratio", C, experiment.run, experiment.QUICK, data=False)
def command(
    runs: Annotated[int, typer.Option(help="Independent runs (seeds seed..seed+runs-1), trained as one ensemble.")] = C.runs,
    function: Annotated[str, typer.Option(help="Target to fit: sinc or sign.")] = C.function,
    hidden: Annotated[list[int], typer.Option(help="Hidden layer width (repeat for each layer).")] = list(C.hidden),
    activation: Annotated[str, typer.Option(help="tanh, relu or leaky_relu (smooth keeps the Hessian meaningful).")] = C.activation,
    points: Annotated[int, typer.Option(help="Training points on the grid (full batch).")] = C.points,
    x_min: Annotated[float, typer.Option(help="Grid start (inclusive).")] = C.x_min,
    x_max: Annotated[float, typer.Option(help="Grid end (exclusive).")] = C.x_max,
    warmup_epochs: Annotated[int, typer.Option(help="Full-batch MSE steps before minimising ‖∇L‖².")] = C.warmup_epochs,
    warmup_lr: Annotated[float, typer.Option(help="Adam learning rate of the MSE warm-up.")] = C.warmup_lr,
    grad_lr: Annotated[float, typer.Option(help="Adam learning rate on ‖∇L‖².")] = C.grad_lr,
    grad_tol: Annotated[float, typer.Option(help="A run stops once ‖∇L‖ is below this.")] = C.grad_tol,
    max_grad_steps: Annotated[int, typer.Option(help="‖∇L‖² steps at most.")] = C.max_grad_steps,
    hessian_chunk: Annotated[int, typer.Option(help="Hessians computed at once (lower it to save memory).")] = C.hessian_chunk,
    log_every: Annotated[int, typer.Option(help="Warm-up epochs between rows of metrics.csv.")] = C.log_every,
) -> None:
    """Train to near-critical points (‖∇L‖ → 0) and measure the exact Hessian's minimal ratio (HW1-2).

    Writes summary.csv (loss, grad norm, minimal ratio per run), eigenvalues.csv and minratio_vs_loss.png.

    Examples:

      hw1 minratio                        # 100 runs of a 1-10-10-1 tanh net on sinc, 141 parameters

      hw1 minratio --runs 20 --seed 100 -o outputs/minratio-20     # 20 other initialisations
    """
