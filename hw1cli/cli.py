"""The `hw1` command: the Typer app built from the experiment registry, and one-line usage errors."""

from __future__ import annotations

import inspect
import os
import re
import sys
from pathlib import Path
from typing import Annotated, Any

import typer
from typer.core import TyperCommand, TyperGroup

from hw1cli import __version__, registry
from hw1cli.commands import check, export, report, rerun, suite
from hw1cli.commands import sweep as sweep_command
from hw1cli.commands.click_compat import exceptions as click_errors
from hw1cli.commands.config_values import suggest
from hw1cli.commands.json_output import emit, error_document, run_document
from hw1cli.commands.options import experiment_command
from hw1cli.errors import print_error
from hw1cli.process import close_stdout, open_standard_streams, report_unexpected


class TidyHelp:
    """--help that reads well at any width: flags show no value type (Typer >= 0.25 writes `<bool>`), and a
    choice shows a name (`<backend>`, EXPERIMENT) instead of `<a|b|...>`, which rich splits mid-word in a
    narrow column; the values go into the help text, which wraps at spaces."""

    def get_help_option(self, ctx: Any) -> Any:
        option = super().get_help_option(ctx)  # type: ignore[misc]
        if option is not None:
            option.metavar = ""
        return option

    def get_params(self, ctx: Any) -> Any:
        params = super().get_params(ctx)  # type: ignore[misc]
        for param in params:
            if not getattr(param, "hw1_tidied", False):
                param.hw1_tidied = True
                _tidy(param)
        return params


def _tidy(param: Any) -> None:
    if getattr(param, "is_flag", False) and not getattr(param, "count", False):
        param.metavar = ""
    described = getattr(param, "type_descriptor", None)  # Typer >= 0.25; older Typer: click's param.type
    choices = described.choices if described is not None and described.is_choice else \
        getattr(getattr(param, "type", None), "choices", None)
    if param.param_type_name == "argument":
        _tidy_argument(param, bool(choices))
    elif choices and param.metavar is None:
        param.metavar = f"<{param.name.replace('_', '-')}>"
    if choices:
        values = [str(getattr(c, "value", c)) for c in choices]
        help_text = getattr(param, "help", None) or ""
        if not all(value in help_text for value in values):
            param.help = f"{help_text} One of: {', '.join(values)}.".strip()


def _tidy_argument(param: Any, choice: bool) -> None:
    """The usage line says `hw1 check OUT`, not Typer's `{out}`; a choice argument's values are in its help."""
    name = param.metavar or param.name.upper()
    param.metavar = name
    if hasattr(param, "_usage_display_name"):  # Typer >= 0.25 marks a required argument `{name}`
        param._usage_display_name = lambda: name + ("..." if param.nargs != 1 else "")
    if choice and hasattr(param, "display_type_rich"):
        param.display_type_rich = lambda ctx: None


class Command(TidyHelp, TyperCommand):
    """Every hw1 subcommand; its docstring reflows (see `reflow`)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.help = reflow(self.help)


def reflow(text: str | None) -> str | None:
    """A docstring as --help shows it best: the lines of a prose paragraph joined (rich wraps them to the
    terminal; hard-wrapped lines leave ragged fragments), indented lines (examples) kept as they are."""
    if not text:
        return text
    paragraphs = []
    for paragraph in inspect.cleandoc(text).split("\n\n"):
        lines: list[str] = []
        for line in paragraph.splitlines():
            if lines and line.strip() and not line.startswith(" ") and not lines[-1].startswith(" "):
                lines[-1] += " " + line.strip()
            else:
                lines.append(line)
        paragraphs.append("\n".join(lines))
    return "\n\n".join(paragraphs)


def json_refusal(argv: list[str], code: int, message: str) -> None:
    """With --json, a usage error click caught before the command ran (a value out of range, an unknown
    option) is the command's one JSON document too, as every refusal of the command itself is."""
    if "--json" not in argv or not argv:
        return
    name, folder = argv[0], None
    for i, word in enumerate(argv):
        if word in ("-o", "--output-dir") and i + 1 < len(argv):
            folder = argv[i + 1]
        elif word.startswith("--output-dir="):
            folder = word.split("=", 1)[1]
    if registry.find(name) is not None:
        emit(run_document(name, Path(folder or Path("outputs") / name), code, message))
    else:
        emit(error_document(name if name.isidentifier() else "hw1", Path(folder or "outputs"), code, message))


class OneLineErrors(TidyHelp, TyperGroup):
    """Click prints usage errors as a boxed, multi-line panel; scripts want one line and exit code 2."""

    def resolve_command(self, ctx: Any, args: list[str]) -> Any:
        """click's own lookup; a typo in the command's name gets a "did you mean" as a typo in a choice does."""
        try:
            return super().resolve_command(ctx, args)
        except click_errors.UsageError as error:
            name = args[0] if args else ""
            if "No such command" not in error.message or "Did you mean" in error.message:
                raise  # click's own near-miss hint is there (it misses a change of case: MNIST)
            commands = {c.lower(): c for c in self.list_commands(ctx)}
            if name.lower() not in commands:
                raise
            raise click_errors.UsageError(f"No such command {name!r}. Did you mean {commands[name.lower()]!r}?", ctx) from None

    def main(self, args: Any = None, prog_name: Any = None, complete_var: Any = None, standalone_mode: bool = True, **extra: Any) -> Any:
        try:
            result = super().main(args, prog_name, complete_var, standalone_mode=False, **extra)
            code = result if isinstance(result, int) else 0
        except click_errors.UsageError as error:
            where = error.ctx.command_path if error.ctx else "hw1"
            message = plain_wording(" ".join(error.format_message().split()), args)
            print_error(message, where=where)
            code = error.exit_code
            json_refusal(list(sys.argv[1:] if args is None else args), code, message)
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


# Typer >= 0.25 checks values with pydantic and passes its wording on; hw1 says the same in its own words.
_BAD_VALUE = re.compile(r"Invalid value for '([^']+)'(?: / '[^']+')?(?: \(env var: '([^']+)'\))?: (.*)")
_NOT_ONE_OF = re.compile(r"Value error, '(.*)' is not one of (.*?)\.?$")
_AT_LEAST = re.compile(r"Input should be greater than or equal to (\S+)$")
_AT_MOST = re.compile(r"Input should be less than or equal to (\S+)$")
_NOT_A = {"Input should be a valid integer": "a whole number", "Input should be a valid number": "a number",
          "Input should be a valid boolean": "true or false"}


def plain_wording(message: str, args: Any = None) -> str:
    """click's "Invalid value for '--x': <pydantic text>" as hw1 words it: "unknown --x 'v'; did you mean
    'w'? (choose from ...)" or "--x must be a whole number, not 'v'"."""
    bad = _BAD_VALUE.match(message)
    if not bad:
        return message
    option, envvar, reason = bad.groups()
    if choice := _NOT_ONE_OF.match(reason):
        value, listed = choice.groups()
        values = re.findall(r"'([^']*)'", listed)
        return f"unknown {option} {value!r}{suggest(value, values)} (choose from {', '.join(values)})"
    least, most = _AT_LEAST.match(reason), _AT_MOST.match(reason)
    kind = (f"at least {least.group(1)}" if least else f"at most {most.group(1)}" if most
            else next((k for p, k in _NOT_A.items() if reason.startswith(p)), None))
    if kind is None:
        return f"bad value for {option}: {reason}"
    value = _value_after(option, sys.argv[1:] if args is None else list(args))
    if value is None and envvar and envvar in os.environ:  # not typed: it came from the environment
        option, value = f"{envvar} (for {option})", os.environ[envvar]
    return f"{option} must be {kind}" + (f", not {value!r}" if value is not None else "")


def _value_after(option: str, argv: list[str]) -> str | None:
    """The value typed for `option` (`--x v` or `--x=v`), to quote it back."""
    for i, word in enumerate(argv):
        if word == option and i + 1 < len(argv):
            return argv[i + 1]
        if word.startswith(option + "="):
            return word.split("=", 1)[1]
    return None


def build_app() -> typer.Typer:
    """The app: one command per registry entry, in suite order, then `all`, `report`, `check`, `sweep` and `rerun`. Built at call time,
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
        app.command(experiment.name, cls=Command)(experiment_command(experiment))
    app.command("all", cls=Command)(suite.make_command())
    app.command("report", cls=Command)(report.command)
    app.command("check", cls=Command)(check.make_command())
    app.command("sweep", cls=Command, context_settings=sweep_command.CONTEXT_SETTINGS)(sweep_command.make_command())
    app.command("rerun", cls=Command, context_settings=rerun.CONTEXT_SETTINGS)(rerun.command)
    app.command("export", cls=Command)(export.command)
    return app


def _show_version(value: bool) -> None:
    if value:
        print(f"hw1 {__version__}")
        raise typer.Exit()


def _root(
    version: Annotated[
        bool | None, typer.Option("--version", callback=_show_version, is_eager=True, help="Show the version and exit.", metavar="")
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
