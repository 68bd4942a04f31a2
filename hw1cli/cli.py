"""The `hw1` command: the Typer app, its subcommands, and one-line usage errors."""

from __future__ import annotations

import sys
from typing import Annotated, Any

import typer
from typer.core import TyperGroup

from hw1cli import __version__
from hw1cli.commands import gradnorm, interpolate, minratio, mnist, params, pca, randlabel, sensitivity, simulate, suite
from hw1cli.commands.click_compat import exceptions as click_errors


class OneLineErrors(TyperGroup):
    """Click prints usage errors as a boxed, multi-line panel; scripts want one line and exit code 2."""

    def main(self, args: Any = None, prog_name: Any = None, complete_var: Any = None, standalone_mode: bool = True, **extra: Any) -> Any:
        try:
            result = super().main(args, prog_name, complete_var, standalone_mode=False, **extra)
            code = result if isinstance(result, int) else 0
        except click_errors.UsageError as error:
            where = error.ctx.command_path if error.ctx else "hw1"
            print(f"Error: {where}: {' '.join(error.format_message().split())}", file=sys.stderr)
            code = error.exit_code
        except click_errors.ClickException as error:
            print(f"Error: {' '.join(error.format_message().split())}", file=sys.stderr)
            code = error.exit_code
        except typer.Abort:
            code = 130
        if standalone_mode:
            sys.exit(code)
        return code


app = typer.Typer(
    cls=OneLineErrors,
    help="Run the deep-learning Homework 1 experiments and write plots (PNG) and metrics (CSV).",
    epilog="Example: hw1 simulate --depth 3 --quick -o outputs/try",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)


def _show_version(value: bool) -> None:
    if value:
        print(f"hw1 {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    version: Annotated[
        bool | None, typer.Option("--version", callback=_show_version, is_eager=True, help="Show the version and exit.")
    ] = None,
) -> None:
    """Run the deep-learning Homework 1 experiments and write plots (PNG) and metrics (CSV)."""


app.command("simulate")(simulate.command)
app.command("mnist")(mnist.command)
app.command("pca")(pca.command)
app.command("gradnorm")(gradnorm.command)
app.command("minratio")(minratio.command)
app.command("randlabel")(randlabel.command)
app.command("params")(params.command)
app.command("interpolate")(interpolate.command)
app.command("sensitivity")(sensitivity.command)
app.command("all")(suite.command)
app.command("report")(suite.report_command)


def main() -> None:
    app()
