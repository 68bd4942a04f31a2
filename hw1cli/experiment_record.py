"""The record of one experiment (what every layer needs to know of it) and the key numbers a sweep tabulates.

Torch-free and Typer-free: the code that trains is named by a "module:function" string, imported only when work
starts; the command-line options are generated from the config's fields (configs/fields.py, commands/options.py).
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from pathlib import Path

    from hw1cli.claims.verdicts import ClaimResult
    from hw1cli.context import RunContext


@dataclass(frozen=True)
class KeyNumbers:
    """Which summary.csv columns a sweep's table and figures show (sweep/keys.py)."""

    columns: tuple[str, ...]  # summary.csv columns to report
    label_by: tuple[str, ...] = ()  # columns naming a row (a model, a width)
    only_labelled: bool = False  # keep only rows whose label is not empty (interpolate's end points A and B)


RunFunction = Callable[[Any, "RunContext"], Sequence[Mapping[str, Any]]]
Headline = Callable[[Sequence[Mapping[str, str]]], str]
Claims = Callable[["Path"], "list[ClaimResult]"]


@dataclass(frozen=True)
class Experiment:
    """One experiment: its command, config, training code and report text."""

    name: str  # the subcommand, the run folder's name under `hw1 all`'s root, run.json's "command"
    title: str  # the report's section title
    about: str  # what it shows, one sentence for the report; "{runs}", "{models}", "{gradient}" are filled from the run's summary.csv (report.about)
    config: type  # frozen dataclass; every field is an option (configs/fields.py: option(default, help)), but seed
    # and device, which are common options, and internal(...) fields
    quick: Mapping[str, Any]  # --quick's preset: config values used where the user gave none
    help: str  # the command's --help text: a first line, paragraphs (blank-line separated, never hard-wrapped), examples
    run: str  # "module:function" with run(config, RunContext) -> summary rows, imported when work starts
    data: bool  # takes the dataset options (--dataset, --data-dir, --subset, ...)
    headline: Headline  # the one line of key numbers from summary.csv (suite table, report)
    claims: Claims | None = None  # judges a run folder's files: the homework's claims with verdicts (claims/)
    key_numbers: KeyNumbers | None = None  # summary.csv columns a sweep tabulates and plots (sweep/keys.py)

    def load_run(self) -> RunFunction:
        """The training code, imported now (torch and friends come with it)."""
        return _load(self.run)


def _load(target: str) -> Any:
    module, _, function = target.partition(":")
    return getattr(importlib.import_module(module), function)


