"""`hw1 interpolate`: its own options, the Typer face of configs/interpolate.py."""

from __future__ import annotations

from typing import Annotated

import typer

from hw1cli.configs.choices import CLASSIFIERS, VARY, choice
from hw1cli.experiments.interpolate.config import LENGTHS
from hw1cli.experiments.interpolate.config import InterpolateConfig as C

Vary = choice("Vary", VARY)
Length = choice("Length", LENGTHS)
Model = choice("Model", CLASSIFIERS)


def options(
    vary: Annotated[Vary, typer.Option(help="The one setting models A and B differ in: batch-size or lr.")] = Vary(C.vary),
    batch_size: Annotated[int, typer.Option(help="Model A's minibatch size (and B's unless --vary batch-size).")] = C.batch_size,
    batch_size_b: Annotated[int, typer.Option(help="Model B's minibatch size with --vary batch-size.")] = C.batch_size_b,
    lr: Annotated[float, typer.Option(help="Model A's Adam learning rate (and B's unless --vary lr).")] = C.lr,
    lr_b: Annotated[float, typer.Option(help="Model B's learning rate with --vary lr.")] = C.lr_b,
    model: Annotated[Model, typer.Option(help="mlp or lenet.")] = Model(C.model),
    hidden: Annotated[list[int], typer.Option(help="MLP hidden layer width (repeat for each layer).")] = list(C.hidden),
    epochs: Annotated[int, typer.Option(help="Model A's training epochs (and B's with --length epochs).")] = C.epochs,
    length: Annotated[Length, typer.Option(help="What A and B train equally long in: steps (B with a larger batch runs more epochs) or epochs.")] = Length(C.length),
    independent_init: Annotated[
        bool, typer.Option("--independent-init", help="Initialise B from seed+1 instead of sharing A's initialisation.")
    ] = C.independent_init,
    from_init: Annotated[bool, typer.Option("--from-init", help="Goodfellow's line: from A's initialisation (α=0) to trained A (α=1); no model B.")] = C.from_init,
    alpha_min: Annotated[float, typer.Option(help="First α of the grid (<= 0).")] = C.alpha_min,
    alpha_max: Annotated[float, typer.Option(help="Last α of the grid (>= 1).")] = C.alpha_max,
    alpha_step: Annotated[float, typer.Option(help="Grid spacing, 1/n for a whole n so that 0 and 1 are on it.")] = C.alpha_step,
) -> None:
    """Loss and accuracy along the line between two trained models (HW1-3, flatness part 1).

    Two models from one initialisation differ in one setting; θ(α) = (1−α)·θ_A + α·θ_B is evaluated for α
    from -1 to 2 on the whole train and test sets.

    summary.csv has one row per α (α=0 is model A, α=1 is model B, exactly); models.csv the two trained models.

    Examples:

      hw1 interpolate --data-dir ../shared/data              # batch size 64 vs 1024, MLP 784-256-256-10

      hw1 interpolate --vary lr --data-dir ../shared/data -o outputs/interpolate-lr

      hw1 interpolate --dataset digits --quick
    """
