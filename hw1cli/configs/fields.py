"""A config field declares its command-line option too: help text, choices and help panel live in the field's
metadata, and commands/options.py generates the Typer option from it. Typer-free and torch-free.

    epochs: int = option(10, "Training epochs.")
    model: tuple[str, ...] = option(("shallow", "deep"), "CNNs to train; repeat or use commas.", choices=CNN_MODELS)
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from typing import Any

DATA_PANEL = "Data options"


def option(default: Any, help: str, *, choices: Sequence[str] | None = None, panel: str | None = None,
           metavar: str | None = None) -> Any:
    """A config field that is also a command-line option `--field-name`.

    help: the option's --help text (and the field's documentation: write it once, here).
    choices: the values a str field (or each item of a tuple[str, ...] field) may take; --help lists them and
    typos get a "did you mean". panel: the --help panel (None: the command's own "Options").
    metavar: the value's name in --help (default: from the field's type or the choice's name)."""
    return dataclasses.field(default=default, metadata={
        "help": help, "choices": tuple(choices) if choices else None, "panel": panel, "metavar": metavar,
    })


def internal(default: Any, why: str) -> Any:
    """A config field that is not an option (set by --quick or a config file, never typed); `why` documents it."""
    return dataclasses.field(default=default, metadata={"internal": why})


def eval_every_option() -> Any:
    """`--eval-every`, declared once for the experiments that compare only final numbers (params, sensitivity,
    interpolate): their per-epoch evaluations are learning curves for people, not part of the comparison."""
    return option(0, "Evaluate the whole train and test sets (eval mode) every N epochs for metrics.csv's learning "
                     "curves; 0: only after the last epoch, all the summary needs. Each evaluation costs about a third "
                     "of an epoch. metrics.csv has the training's running loss and accuracy of every epoch either way.")
