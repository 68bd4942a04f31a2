"""THE way from an experiment's argv to a checked run request: single runs (through their Typer command),
`hw1 all` (each experiment's options), `hw1 sweep`'s grid checks and its points all come through here.

The argv is parsed by the experiment's own command (generated once per record by `experiment_command`), so a
bad value is refused with the same words whoever asked; click's usage errors become our one-line UsageError.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import typer

from hw1cli.commands.click_compat import ParameterSource
from hw1cli.commands.click_compat import exceptions as click_errors
from hw1cli.commands.options import experiment_command, request_from
from hw1cli.commands.recorded import META_KEY, SUITE_FILE
from hw1cli.errors import UsageError
from hw1cli.runner import RunRequest, check_request

if TYPE_CHECKING:
    from hw1cli.registry import Experiment

_COMMANDS: dict[int, tuple[Experiment, Any]] = {}  # id(record) -> (record, its click command): built once


def command_for(experiment: Experiment) -> Any:
    """The click command of an experiment's record (its options: the sweep's grid is checked against them)."""
    cached = _COMMANDS.get(id(experiment))
    if cached is None or cached[0] is not experiment:
        app = typer.Typer(add_completion=False)
        app.command(experiment.name)(experiment_command(experiment))
        cached = _COMMANDS[id(experiment)] = (experiment, typer.main.get_command(app))
    return cached[1]


def parse_request(experiment: Experiment, argv: Sequence[str], *, check: bool = False,
                  recorded: tuple[Mapping[str, Any], Path] | None = None, folder: Path | None = None,
                  suite: bool = False) -> RunRequest:
    """`hw1 NAME ARGV` as a request (ARGV without NAME), every option checked into its config; with `check`
    also the checks that need no data and write nothing (folder, --resume, device); with `recorded` (a run.json
    and its path) the options left untyped come from that record, and `folder` is -o's default; with `suite`
(`hw1 all`) a --config file without tables is shared keys. Raises UsageError (or
    another Hw1Error from `check`) with one line; nothing is written."""
    try:
        with command_for(experiment).make_context(experiment.name, list(argv)) as context:
            if folder is not None and context.get_parameter_source("output_dir") == ParameterSource.DEFAULT:
                context.params["output_dir"] = folder  # hw1 rerun: into the recorded run's folder unless -o says
            if recorded is not None:  # hw1 rerun: (run.json, its path) fills the options left untyped
                context.meta[META_KEY] = recorded
            context.meta[SUITE_FILE] = suite
            request = request_from(context, experiment)
    except click_errors.ClickException as error:
        raise UsageError(" ".join(error.format_message().split())) from None
    if check:
        check_request(request)
    return request
