"""`hw1 rerun DIR [OPTIONS]`: run again exactly what DIR's run.json recorded, typed options overriding."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from hw1cli import registry
from hw1cli.commands.json_output import emit, run_document
from hw1cli.commands.options import config_toml
from hw1cli.commands.recorded import read_record
from hw1cli.commands.requests import parse_request
from hw1cli.errors import Hw1Error, UsageError, describe_error, print_error
from hw1cli.run_record import RUN_FILE
from hw1cli.runner import run_request

if TYPE_CHECKING:
    pass

# The recorded command's options follow DIR; cli.py registers the command with these settings.
CONTEXT_SETTINGS = {"allow_extra_args": True, "ignore_unknown_options": True}


def command(
    ctx: typer.Context,
    folder: Annotated[Path, typer.Argument(metavar="DIR", help="A run folder (it holds run.json).", show_default=False)],
) -> None:
    """Run again what DIR's run.json recorded: the same command with the same config, into DIR (or -o OUT).

    Options after DIR are the recorded command's own (see hw1 NAME --help) and override the recorded values. A rerun with other options keeps the run it replaces in DIR/history/<its start time>/ and says so; with the same options it replaces it. --resume continues an interrupted run without retyping anything.

    Examples:

      hw1 rerun outputs/mnist     # the same run again, same folder

      hw1 rerun outputs/mnist --lr 0.1 -o outputs/mnist-lr0.1

      hw1 rerun outputs/mnist --resume     # continue after Ctrl-C
    """
    raise typer.Exit(rerun(folder, list(ctx.args)))


def rerun(folder: Path, argv: list[str]) -> int:
    """Parse `argv` with the recorded command's options, fill the rest from run.json, run; the exit code."""
    json_wanted = "--json" in argv
    record: dict[str, Any] = {}
    if folder.name == RUN_FILE and folder.is_file():  # `hw1 rerun DIR/run.json`: the folder is meant
        folder = folder.parent
    try:
        record = read_record(folder)
        experiment = registry.find(record.get("command")) if isinstance(record.get("command"), str) else None
        if experiment is None:
            raise UsageError(f"{folder}/run.json names no command of this hw1 ({record.get('command')!r})")
        request = parse_request(experiment, argv, recorded=(record, folder / RUN_FILE), folder=folder)
    except Hw1Error as error:
        print_error(error)
        if json_wanted:
            emit(run_document(str(record.get("command", "rerun")), folder, error.exit_code, describe_error(error)))
        return error.exit_code
    if "--print-config" in argv:  # what the rerun would run, resolved from run.json and the typed options
        print(config_toml(request.config, f"hw1 rerun {folder}: the resolved config of 'hw1 {request.name}'"), end="")
        return 0
    code = run_request(request)
    if request.json:
        emit(run_document(request.name, request.folder, code))
    return code
