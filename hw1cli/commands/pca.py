"""`hw1 pca`: the Typer face of experiments/pca.py."""

from __future__ import annotations

from typing import Annotated

import typer

from hw1cli.commands.common import experiment_command
from hw1cli.experiments import pca as experiment
from hw1cli.experiments.pca import PcaConfig as C


@experiment_command("pca", C, experiment.run, experiment.QUICK, data=True)
def command(
    runs: Annotated[int, typer.Option(help="Runs trained together as one ensemble (seeds seed..seed+runs-1).")] = C.runs,
    hidden: Annotated[list[int], typer.Option(help="Hidden layer width (repeat for each layer).")] = list(C.hidden),
    activation: Annotated[str, typer.Option(help="relu, leaky_relu or tanh.")] = C.activation,
    epochs: Annotated[int, typer.Option(help="Training epochs.")] = C.epochs,
    batch_size: Annotated[int, typer.Option(help="Minibatch size.")] = C.batch_size,
    optimizer: Annotated[str, typer.Option(help="adam, sgd or rmsprop.")] = C.optimizer,
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
