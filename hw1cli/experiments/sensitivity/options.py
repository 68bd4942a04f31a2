"""`hw1 sensitivity`: its own options, the Typer face of configs/sensitivity.py."""

from __future__ import annotations

from typing import Annotated

import typer

from hw1cli.configs.choices import CLASSIFIERS, choice
from hw1cli.experiments.sensitivity.config import BUDGETS
from hw1cli.experiments.sensitivity.config import SensitivityConfig as C

Model = choice("Model", CLASSIFIERS)
Budget = choice("Budget", BUDGETS)


def options(
    batch_sizes: Annotated[
        list[str], typer.Option(help="Batch sizes to compare: repeat the option and/or separate with commas.")
    ] = [str(b) for b in C.batch_sizes],
    model: Annotated[Model, typer.Option(help="mlp or lenet.")] = Model(C.model),
    hidden: Annotated[list[int], typer.Option(help="MLP hidden layer width (repeat for each layer).")] = list(C.hidden),
    epochs: Annotated[int, typer.Option(help="Training epochs, the same for every batch size (--budget epochs).")] = C.epochs,
    lr: Annotated[float, typer.Option(help="Adam learning rate, the same for every batch size.")] = C.lr,
    budget: Annotated[Budget, typer.Option(help="What every batch size gets the same of: loss (train to --target-loss, the fair default), steps (--max-steps each) or epochs (--epochs each).")] = Budget(C.budget),
    target_loss: Annotated[float, typer.Option(help="--budget loss: train until the full training set's loss is <= this.")] = C.target_loss,
    max_steps: Annotated[int, typer.Option(help="Optimizer steps: the cap of --budget loss, the count of --budget steps.")] = C.max_steps,
    loss_check_every: Annotated[int, typer.Option(help="--budget loss: steps between full training-set loss checks.")] = C.loss_check_every,
    keskar: Annotated[bool, typer.Option("--keskar", help="Keskar et al.'s comparison: batch 256 vs 10% of the training set, instead of --batch-sizes.")] = C.keskar,
    epsilon: Annotated[float, typer.Option(help="Sharpness box half-width: |δ_i| <= ε(|θ_i|+1).")] = C.epsilon,
    sharpness_steps: Annotated[int, typer.Option(help="Projected gradient-ascent steps of the sharpness search.")] = C.sharpness_steps,
) -> None:
    """Sensitivity and sharpness against batch size (HW1-3, flatness part 2).

    One model per batch size from one initialisation, by default each trained to the same training loss
    (--budget loss; Keskar compared minimisers); measures train/test loss and accuracy, sensitivity (mean
    Frobenius norm of the softmax's Jacobian w.r.t. the standardised input, on the test set) and sharpness
    (Keskar et al. 2017, ×100 as in their tables: the largest training-loss rise in the box
    |δ_i| <= ε(|θ_i|+1), in percent of 1 + L).

    Examples:

      hw1 sensitivity --data-dir ../shared/data            # batch sizes 16, 64, 256, 1024, 4096

      hw1 sensitivity --keskar --data-dir ../shared/data   # batch 256 vs 800 (10% of 8,000)

      hw1 sensitivity --batch-sizes 32,512 --budget epochs --epochs 10 -o outputs/sens

      hw1 sensitivity --dataset digits --quick
    """
