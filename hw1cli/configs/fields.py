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
