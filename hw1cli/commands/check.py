"""`hw1 check`: re-judge the claims of finished run folders and exit 0 or 4, for CI.

Imports neither torch nor the experiments: it reads CSVs and run.json only (see hw1cli/claims).
"""

from collections.abc import Callable
from pathlib import Path
from typing import Annotated

import typer
from rich.text import Text

from hw1cli.claims import REQUIREMENTS, SYMBOLS, meets
from hw1cli.commands.json_output import check_document, emit, error_document
from hw1cli.commands.options import JsonOpt
from hw1cli.configs.choices import choice
from hw1cli.errors import Hw1Error, UsageError, print_error
from hw1cli.run_folders import claimed, judge_folder, run_folders
from hw1cli.tables import plain, print_table, table_console

EXIT_CLAIM_FAILS = 4
STYLES = {"supported": "green", "not supported": "red", "inconclusive": "yellow"}


def make_command() -> Callable[..., None]:
    """`hw1 check`, with --experiment choices read from the registry when the app is built."""
    Name = choice("Experiment", claimed())
    Requirement = choice("Requirement", tuple(REQUIREMENTS))

    def command(
        out: Annotated[Path, typer.Argument(help="A suite's output folder (hw1 all -o OUT) or one run folder.", show_default=False)],
        experiment: Annotated[
            list[Name] | None, typer.Option("--experiment", "-e", help="Judge only this experiment (repeat for several).")
        ] = None,
        require: Annotated[
            Requirement, typer.Option(help="supported: every claim must be supported; not-refuted: none may be refuted "
                                           "(inconclusive passes).")
        ] = Requirement("not-refuted"),
        quiet: Annotated[bool, typer.Option("--quiet", "-q", help="No table and no tally: only the claims that do not "
                                                                  "meet --require, one line each.")] = False,
        json: JsonOpt = False,
    ) -> None:
        """Re-judge each experiment's claims from the run folders' files and print them.

        Exit codes: 0 every claim meets --require, 4 one does not, 2 a usage error (bad option, no run folders),
        1 a run folder's files cannot be read.

        Example (CI): hw1 all --quick --dataset digits -o out && hw1 check out --require not-refuted
        """
        try:
            code = check(out, [e.value for e in experiment or []], require.value, quiet=quiet, json=json)
        except Hw1Error as error:
            print_error(plain(" ".join(str(error).split())))  # a folder name may hold terminal escapes
            if json:
                emit(error_document("check", out, error.exit_code, str(error)))
            raise typer.Exit(error.exit_code) from None
        raise typer.Exit(code)

    return command


def check(out: Path, experiments: list[str], require: str, *, quiet: bool = False, json: bool = False) -> int:
    if require not in REQUIREMENTS:
        raise UsageError(f"--require must be one of {', '.join(REQUIREMENTS)}, not {require!r}")
    unknown = [name for name in experiments if name not in claimed()]
    if unknown:
        raise UsageError(f"unknown --experiment {unknown[0]!r}; choose from {', '.join(claimed())}")
    runs = [r for r in run_folders(out) if not experiments or r[0] in experiments]
    if not runs:
        chosen = f" of {', '.join(experiments)}" if experiments else ""
        raise UsageError(f"no run folders{chosen} in {out}")
    results = [(folder, result) for name, folder, record in runs for result in judge_folder(name, folder, record)]
    failing = [r for _, r in results if not meets(r, require)]
    if json:
        emit(check_document(out, require, results, [meets(r, require) for _, r in results], EXIT_CLAIM_FAILS if failing else 0))
        return EXIT_CLAIM_FAILS if failing else 0
    if quiet:
        for folder, r in results:
            if not meets(r, require):
                print(f"{SYMBOLS[r.verdict]} {folder.name or folder}: {r.claim_id}: {r.verdict}")
        return EXIT_CLAIM_FAILS if failing else 0
    console = table_console()
    rows = [[SYMBOLS[r.verdict], folder.name or str(folder), f"{r.claim_id}: {r.sentence}", r.verdict, str(r.seeds),
             r.evidence] for folder, r in results]
    # folder names and evidence are data: tables.py prints them as text (no Rich markup, no terminal escapes)
    print_table(console, f"hw1 check {out} (--require {require})", ("", "run folder", "claim", "verdict", "seeds", "evidence"),
                rows, priority=("", "run folder", "claim", "verdict"), wrap=("claim", "evidence"),
                style=lambda column, value: STYLES.get(value, "") if column == "verdict" else "")
    counts = ", ".join(f"{sum(r.verdict == v for _, r in results)} {v}" for v in STYLES)
    verdict = "met" if not failing else f"not met by {len(failing)}"
    console.print(Text(f"{len(results)} claim{'' if len(results) == 1 else 's'}: {counts}. --require {require}: {verdict}."))
    return EXIT_CLAIM_FAILS if failing else 0
