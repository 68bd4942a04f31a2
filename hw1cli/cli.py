"""The `hw1` command: the Typer app built from the experiment registry, and one-line usage errors."""

from __future__ import annotations

import sys
from typing import Annotated, Any

import typer
from typer.core import TyperGroup

from hw1cli import __version__, registry
from hw1cli.commands import check, export, report, suite
from hw1cli.commands import sweep as sweep_command
from hw1cli.commands.click_compat import exceptions as click_errors
from hw1cli.commands.options import experiment_command
from hw1cli.errors import print_error
from hw1cli.process import close_stdout, open_standard_streams, report_unexpected


class OneLineErrors(TyperGroup):
    """Click prints usage errors as a boxed, multi-line panel; scripts want one line and exit code 2."""

    def main(self, args: Any = None, prog_name: Any = None, complete_var: Any = None, standalone_mode: bool = True, **extra: Any) -> Any:
        try:
            result = super().main(args, prog_name, complete_var, standalone_mode=False, **extra)
            code = result if isinstance(result, int) else 0
        except click_errors.UsageError as error:
            where = error.ctx.command_path if error.ctx else "hw1"
            print_error(" ".join(error.format_message().split()), where=where)
            code = error.exit_code
        except click_errors.ClickException as error:
            print_error(" ".join(error.format_message().split()))
            code = error.exit_code
        except typer.Abort:
            code = 130
        except Exception as error:  # [reliability hook] the last net: one line, never a traceback
            code = report_unexpected(error, args)
        if standalone_mode:
            sys.exit(code)
        return code


def build_app() -> typer.Typer:
    """The app: one command per registry entry, in suite order, then `all`, `report` and `check`. Built at call time,
    so an experiment added to the registry (a test does) is a command like the others."""
    app = typer.Typer(
        cls=OneLineErrors,
        help="Run the deep-learning Homework 1 experiments and write plots (PNG) and metrics (CSV).",
        epilog="Example: hw1 simulate --depth 3 --quick -o outputs/try",
        no_args_is_help=True,
        pretty_exceptions_enable=False,
    )
    app.callback()(_root)
    for experiment in registry.EXPERIMENTS:
        app.command(experiment.name)(experiment_command(experiment))
    app.command("all")(suite.make_command())
    app.command("report")(report.command)
    app.command("check")(check.make_command())
    app.command("sweep", context_settings=sweep_command.CONTEXT_SETTINGS)(sweep_command.command)
    app.command("export")(export.command)
    return app


def _show_version(value: bool) -> None:
    if value:
        print(f"hw1 {__version__}")
        raise typer.Exit()


def _root(
    version: Annotated[
        bool | None, typer.Option("--version", callback=_show_version, is_eager=True, help="Show the version and exit.")
    ] = None,
) -> None:
    """Run the deep-learning Homework 1 experiments and write plots (PNG) and metrics (CSV)."""


app = build_app()


def main() -> None:
    stdout = open_standard_streams()  # [reliability hook] closed or broken stdout cannot crash a run
    try:
        app()
        code = 0
    except SystemExit as exit_:
        code = exit_.code if isinstance(exit_.code, int) else (0 if exit_.code is None else 1)
    sys.exit(close_stdout(stdout, code))
