"""`hw1 report`: rebuild index.html and report.md from existing run folders, without training."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from hw1cli.errors import describe_error, print_error
from hw1cli.report import find_runs, write_report
from hw1cli.run_record import RUN_FILE
from hw1cli.sweep.report import find_sweeps


def command(
    output_dir: Annotated[Path, typer.Option("--output-dir", "-o", help="Root folder holding the experiments' run folders.")] = Path("outputs"),
) -> None:
    """Rebuild index.html and report.md from existing run folders and sweep folders, without training.

    Example:

      hw1 report -o outputs/quick
    """
    problem = None
    if not output_dir.is_dir():
        problem = f"{output_dir} is not a folder of hw1 runs"
    elif (output_dir / RUN_FILE).exists():
        problem = f"{output_dir} is one run's folder; give the folder that holds the run folders (e.g. -o {output_dir.parent})"
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
    print(f"Wrote {html_path} and {md_path}")
