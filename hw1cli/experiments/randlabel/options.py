"""`hw1 randlabel`: its own options, the Typer face of configs/randlabel.py."""

from __future__ import annotations

from typing import Annotated

import typer

from hw1cli.experiments.randlabel.config import RandlabelConfig as C


def options(
    noise: Annotated[float, typer.Option(help="Fraction of training labels replaced by a random class, in (0, 1].")] = C.noise,
    hidden: Annotated[list[int], typer.Option(help="Hidden layer width (repeat for each layer).")] = list(C.hidden),
    epochs: Annotated[int, typer.Option(help="Training epochs.")] = C.epochs,
    batch_size: Annotated[int, typer.Option(help="Minibatch size.")] = C.batch_size,
    lr: Annotated[float, typer.Option(help="Adam learning rate.")] = C.lr,
) -> None:
    """Train an MLP on randomly relabelled training data: it memorises them, test stays at chance (HW1-3).

    Labels are drawn once from --seed (same seed, same labels); train numbers use them, test the true ones.

    Examples:

      hw1 randlabel --data-dir ../shared/data           # 784-512-512-10, all labels random, 100 epochs

      hw1 randlabel --noise 0.3 --epochs 50 -o outputs/noise30

      hw1 randlabel --dataset digits --quick
    """
