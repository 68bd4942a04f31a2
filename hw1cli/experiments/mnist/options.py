"""`hw1 mnist`: its own options, the Typer face of configs/mnist.py."""

from __future__ import annotations

from typing import Annotated

import typer

from hw1cli.configs.choices import CNN_MODELS, OPTIMIZERS, choice
from hw1cli.experiments.mnist.config import MnistConfig as C

Model = choice("Model", CNN_MODELS)
Optimizer = choice("Optimizer", OPTIMIZERS)


def options(
    model: Annotated[
        list[Model], typer.Option(help="shallow, medium, deep (~32k params each), lenet or cnn; repeat for several.")
    ] = [Model(v) for v in C.model],
    epochs: Annotated[int, typer.Option(help="Training epochs.")] = C.epochs,
    batch_size: Annotated[int, typer.Option(help="Minibatch size.")] = C.batch_size,
    optimizer: Annotated[Optimizer, typer.Option(help="sgd, adam or rmsprop.")] = Optimizer(C.optimizer),
    lr: Annotated[float, typer.Option(help="Learning rate.")] = C.lr,
    momentum: Annotated[float, typer.Option(help="Momentum (sgd and rmsprop).")] = C.momentum,
    seeds: Annotated[int, typer.Option(help="Train every model with this many seeds (seed..seed+K-1).")] = C.seeds,
) -> None:
    """Train CNNs of equal size and different depth on MNIST; per epoch train and test loss and accuracy (HW1-1).

    Every model gets the same seed (initialisation and data order); --seeds K trains each with K seeds.
    Train and test numbers are measured after each epoch in eval mode; the running train numbers too.

    Examples:

      hw1 mnist --data-dir ../shared/data                  # shallow, medium, deep: 1, 2, 4 conv layers

      hw1 mnist --model lenet --model cnn --epochs 5 -o outputs/lenet_cnn

      hw1 mnist --dataset digits --quick

      hw1 mnist --model shallow --model deep --seeds 3     # the claim "deep beats shallow" decided over 3 seeds
    """
