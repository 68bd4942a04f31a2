"""`hw1 simulate`: its own options, the Typer face of configs/simulate.py."""

from __future__ import annotations

from typing import Annotated

import typer

from hw1cli.configs.choices import FUNCTIONS, choice
from hw1cli.experiments.simulate.config import WIDTH_SCHEDULES
from hw1cli.experiments.simulate.config import SimulateConfig as C

Function = choice("Function", FUNCTIONS)
Widths = choice("Widths", WIDTH_SCHEDULES)


def options(
    function: Annotated[list[Function], typer.Option(help="Target to fit: sinc or sign (repeat for several).")] = [Function(v) for v in C.function],
    depth: Annotated[list[int], typer.Option(help="Hidden layers of a model (repeat for several).")] = list(C.depth),
    params: Annotated[int, typer.Option(help="Parameter budget; each depth's width is solved to match it.")] = C.params,
    points: Annotated[int, typer.Option(help="Training points on the grid.")] = C.points,
    x_min: Annotated[float, typer.Option(help="Grid start (inclusive).")] = C.x_min,
    x_max: Annotated[float, typer.Option(help="Grid end (exclusive).")] = C.x_max,
    epochs: Annotated[int, typer.Option(help="Full-batch epochs at most.")] = C.epochs,
    lr: Annotated[float, typer.Option(help="Adam learning rate.")] = C.lr,
    weight_decay: Annotated[float, typer.Option(help="Adam weight decay.")] = C.weight_decay,
    loss_tol: Annotated[float, typer.Option(help="Converged once the loss is below this...")] = C.loss_tol,
    change_tol: Annotated[float, typer.Option(help="...and moved less than this over the last --patience epochs.")] = C.change_tol,
    patience: Annotated[int, typer.Option(help="Epochs the loss must stay flat.")] = C.patience,
    seeds: Annotated[int, typer.Option(help="Train every depth with this many seeds (seed..seed+K-1).")] = C.seeds,
    widths: Annotated[Widths, typer.Option(help="Hidden widths: equal, or notebook (ends half the middle width: 5-10-10-10-10-10-5 at depth 7).")] = Widths(C.widths),
) -> None:
    """Fit sinc and sign with equal-parameter networks of different depth (HW1-1).

    Examples:

      hw1 simulate                       # depths 1, 4, 7 on both targets, ~571 params each

      hw1 simulate --depth 3 --function sign --seeds 3 -o outputs/depth3

      hw1 simulate --function sign --widths notebook --seeds 10 -o outputs/sign-notebook
    """
