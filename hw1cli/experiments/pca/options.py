"""`hw1 pca`: its own options, the Typer face of configs/pca.py."""

from __future__ import annotations

from typing import Annotated

import typer

from hw1cli.configs.choices import ACTIVATIONS, OPTIMIZERS, choice
from hw1cli.experiments.pca.config import PcaConfig as C

Optimizer = choice("Optimizer", OPTIMIZERS)
Activation = choice("Activation", ACTIVATIONS)


def options(
    runs: Annotated[int, typer.Option(help="Runs trained together as one ensemble (seeds seed..seed+runs-1).")] = C.runs,
    hidden: Annotated[list[int], typer.Option(help="Hidden layer width (repeat for each layer).")] = list(C.hidden),
    activation: Annotated[Activation, typer.Option(help="relu, leaky_relu or tanh.")] = Activation(C.activation),
    epochs: Annotated[int, typer.Option(help="Training epochs.")] = C.epochs,
    batch_size: Annotated[int, typer.Option(help="Minibatch size.")] = C.batch_size,
    optimizer: Annotated[Optimizer, typer.Option(help="adam, sgd or rmsprop.")] = Optimizer(C.optimizer),
    lr: Annotated[float, typer.Option(help="Learning rate.")] = C.lr,
    weight_decay: Annotated[float, typer.Option(help="L2 weight decay.")] = C.weight_decay,
    every: Annotated[int, typer.Option(help="Epochs between parameter snapshots (epoch 0 and the last are always taken).")] = C.every,
) -> None:
    """Train several runs and show their paths in weight space through one PCA (HW1-2).

    Writes coordinates.csv (PC1, PC2, loss, accuracy per snapshot), summary.csv and pca_*.png.

    Examples:

      hw1 pca --data-dir ../shared/data      # 8 runs of 784-10-20-10, Adam, 45 epochs

      hw1 pca --dataset digits --runs 4 --every 5 -o outputs/pca-digits
    """
