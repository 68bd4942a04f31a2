"""`hw1 report`: rebuild index.html and report.md from existing run folders, without training."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from hw1cli.errors import describe_error, print_error
from hw1cli.report import write_report
from hw1cli.run_folders import find_runs
from hw1cli.run_record import RUN_FILE
from hw1cli.sweep.report import find_sweeps


def command(
    out: Annotated[Path | None, typer.Argument(help="Root folder holding the experiments' run folders (default: outputs).",
                                               show_default=False)] = None,
    output_dir: Annotated[Path | None, typer.Option("--output-dir", "-o", help="The same folder as OUT (the older spelling).",
                                                    show_default=False)] = None,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="Print nothing when the report is written.")] = False,
) -> None:
    """Rebuild index.html and report.md from existing run folders and sweep folders, without training.

    Example:

      hw1 report outputs/quick
    """
    if out is not None and output_dir is not None and out != output_dir:
        print_error(f"give the folder once: OUT ({out}) or -o ({output_dir})")
        raise typer.Exit(2)
    output_dir = out or output_dir or Path("outputs")
    problem = None
    if not output_dir.is_dir():
        problem = f"{output_dir} is not a folder of hw1 runs"
    elif (output_dir / RUN_FILE).exists():
        problem = f"{output_dir} is one run's folder; give the folder that holds the run folders (e.g. hw1 report {output_dir.parent})"
    elif not find_runs(output_dir) and not find_sweeps(output_dir):
        problem = f"{output_dir} holds no hw1 run folders or sweep folders (with a run.json or a sweep.json); nothing to report"
    if problem:
        print_error(problem)
        raise typer.Exit(2)
    try:
        html_path, md_path = write_report(output_dir)
    except OSError as error:  # [reliability hook] a read-only root, a full disk: one line
        print_error(f"cannot write the report in {output_dir}: {describe_error(error)}")
        raise typer.Exit(1) from None
    if not quiet:
        print(f"Wrote {html_path} and {md_path}")
