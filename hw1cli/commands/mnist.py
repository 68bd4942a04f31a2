"""`hw1 mnist`: the Typer face of experiments/mnist.py."""

from __future__ import annotations

from typing import Annotated

import typer

from hw1cli.commands.common import experiment_command
from hw1cli.experiments import mnist as experiment
from hw1cli.experiments.mnist import MnistConfig as C


@experiment_command("mnist", C, experiment.run, experiment.QUICK, data=True)
def command(
    model: Annotated[
        list[str], typer.Option(help="shallow, medium, deep (~32k params each), lenet or cnn; repeat for several.")
    ] = list(C.model),
    epochs: Annotated[int, typer.Option(help="Training epochs.")] = C.epochs,
    batch_size: Annotated[int, typer.Option(help="Minibatch size.")] = C.batch_size,
    optimizer: Annotated[str, typer.Option(help="sgd, adam or rmsprop.")] = C.optimizer,
    lr: Annotated[float, typer.Option(help="Learning rate.")] = C.lr,
    momentum: Annotated[float, typer.Option(help="Momentum (sgd and rmsprop).")] = C.momentum,
) -> None:
    """Train CNNs of equal size and different depth on MNIST; per epoch train and test loss and accuracy (HW1-1).

    Every model gets the same seed (initialisation and data order). Train and test numbers are measured after
    each epoch in eval mode; the running train numbers of the epoch are logged too.

    Examples:

      hw1 mnist --data-dir ../shared/data                  # shallow, medium, deep: 1, 2, 4 conv layers

      hw1 mnist --model lenet --model cnn --epochs 5 -o outputs/lenet_cnn

      hw1 mnist --dataset digits --quick
    """
