"""`hw1 gradnorm`: its own options, the Typer face of configs/gradnorm.py."""

from __future__ import annotations

from typing import Annotated

import typer

from hw1cli.configs.choices import CNN_MODELS, FUNCTIONS, TASKS, choice
from hw1cli.experiments.gradnorm.config import GradnormConfig as C

Function = choice("Function", FUNCTIONS)
Task = choice("Task", TASKS)
Model = choice("Model", CNN_MODELS)


def options(
    task: Annotated[Task, typer.Option(help="sinc (1-D fit, full batch) or mnist (CNN on minibatches).")] = Task(C.task),
    function: Annotated[Function, typer.Option(help="Target for --task sinc: sinc or sign.")] = Function(C.function),
    depth: Annotated[int, typer.Option(help="Hidden layers of the MLP (--task sinc).")] = C.depth,
    params: Annotated[int, typer.Option(help="Parameter budget the MLP width is solved for.")] = C.params,
    points: Annotated[int, typer.Option(help="Training points on the grid (--task sinc).")] = C.points,
    x_min: Annotated[float, typer.Option(help="Grid start (inclusive).")] = C.x_min,
    x_max: Annotated[float, typer.Option(help="Grid end (exclusive).")] = C.x_max,
    model: Annotated[Model, typer.Option(help="CNN for --task mnist.")] = Model(C.model),
    batch_size: Annotated[int, typer.Option(help="Minibatch size for --task mnist.")] = C.batch_size,
    full_every: Annotated[int, typer.Option(help="--task mnist: steps between exact full-training-set gradient norms (0: none).")] = C.full_every,
    iterations: Annotated[int, typer.Option(help="Optimizer steps.")] = C.iterations,
    lr: Annotated[float, typer.Option(help="Adam learning rate.")] = C.lr,
    weight_decay: Annotated[float, typer.Option(help="Adam weight decay.")] = C.weight_decay,
) -> None:
    """Record the gradient norm and the loss at every iteration (HW1-2): of the full batch with --task sinc,
    of each step's minibatch with --task mnist (plus the exact full-training-set norm every --full-every steps).

    Examples:

      hw1 gradnorm                                   # depth-7, ~571-param net on sinc, 2000 steps

      hw1 gradnorm --task mnist --data-dir ../shared/data --iterations 500
    """
