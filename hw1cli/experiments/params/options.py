"""`hw1 params`: its own options, the Typer face of configs/params.py."""

from __future__ import annotations

from typing import Annotated

import typer

from hw1cli.experiments.params.config import ParamsConfig as C


def options(
    widths: Annotated[
        list[str], typer.Option(help="Hidden widths to compare: repeat the option and/or use commas.")
    ] = [str(w) for w in C.widths],
    depth: Annotated[int, typer.Option(help="Hidden layers of every MLP.")] = C.depth,
    epochs: Annotated[int, typer.Option(help="Training epochs per model.")] = C.epochs,
    batch_size: Annotated[int, typer.Option(help="Minibatch size.")] = C.batch_size,
    lr: Annotated[float, typer.Option(help="Adam learning rate.")] = C.lr,
    seeds: Annotated[int, typer.Option(help="Train every width with this many seeds (seed..seed+K-1); plots show mean ± std.")] = C.seeds,
) -> None:
    """Train MLPs input→h→h→classes of growing width h; compare final train/test loss and accuracy (HW1-3).

    Every width gets the same optimizer, epochs and seeds; figures put the parameter count on a log axis.

    Examples:

      hw1 params --data-dir ../shared/data               # 10 widths from 4 to 1024, 20 epochs

      hw1 params --widths 8,32,128,512 --seeds 3 -o outputs/params3

      hw1 params --dataset digits --quick
    """
