"""`hw1 sensitivity`: its own options, the Typer face of configs/sensitivity.py."""

from __future__ import annotations

from typing import Annotated

import typer

from hw1cli.configs.choices import CLASSIFIERS, choice
from hw1cli.configs.sensitivity import SensitivityConfig as C

Model = choice("Model", CLASSIFIERS)


def options(
    batch_sizes: Annotated[
        list[str], typer.Option(help="Batch sizes to compare: repeat the option and/or separate with commas.")
    ] = [str(b) for b in C.batch_sizes],
    model: Annotated[Model, typer.Option(help="mlp or lenet.")] = Model(C.model),
    hidden: Annotated[list[int], typer.Option(help="MLP hidden layer width (repeat for each layer).")] = list(C.hidden),
    epochs: Annotated[int, typer.Option(help="Training epochs, the same for every batch size.")] = C.epochs,
    lr: Annotated[float, typer.Option(help="Adam learning rate, the same for every batch size.")] = C.lr,
    epsilon: Annotated[float, typer.Option(help="Sharpness box half-width: |δ_i| <= ε(|θ_i|+1).")] = C.epsilon,
    sharpness_steps: Annotated[int, typer.Option(help="Projected gradient-ascent steps of the sharpness search.")] = C.sharpness_steps,
) -> None:
    """Sensitivity and sharpness against batch size (HW1-3, flatness part 2).

    One model per batch size from one initialisation; measures train/test loss and accuracy, sensitivity
    (mean Frobenius norm of the softmax's input Jacobian on the test set) and sharpness (Keskar et al. 2017:
    largest relative training-loss rise in the box |δ_i| <= ε(|θ_i|+1)).

    Examples:

      hw1 sensitivity --data-dir ../shared/data            # batch sizes 16, 64, 256, 1024, 4096

      hw1 sensitivity --batch-sizes 32,512 --epochs 10 -o outputs/sens

      hw1 sensitivity --dataset digits --quick
    """
