"""Judging whole run folders: the claims of one folder, or of every run folder under a suite's root."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from hw1cli.claims import evaluate_run, judged
from hw1cli.claims.source import ClaimsDataError
from hw1cli.claims.verdicts import INCONCLUSIVE, ClaimResult
from hw1cli.run_record import RUN_FILE, is_finished, read_run


def judge_folder(name: str, folder: Path, run: Mapping[str, Any]) -> list[ClaimResult]:
    """The folder's claims; a run that did not finish has none to judge, which is said as one inconclusive row."""
    if not is_finished(run):
        status = run.get("status", "unknown")
        return [ClaimResult(name, "run", f"The {name} run finished.", INCONCLUSIVE,
                            f"run.json says {status!r}: nothing judged; rerun or --resume it", 0)]
    return evaluate_run(name, folder)


def run_folders(root: Path) -> list[tuple[str, Path, dict[str, Any]]]:
    """(experiment, folder, run.json) for `root` itself when it is a run folder, else for each run folder in it.

    A run.json that cannot be read is an error (ClaimsDataError), not a folder to skip silently.
    """
    from hw1cli.report import find_runs  # the report's own discovery, so check and report see the same runs

    root = Path(root)
    if (root / RUN_FILE).is_file():
        folders = [root]
    else:
        folders = [p for p in sorted(root.iterdir()) if (p / RUN_FILE).is_file()] if root.is_dir() else []
    broken = [p for p in folders if read_run(p) is None]
    if broken:
        raise ClaimsDataError(f"cannot read {broken[0] / RUN_FILE}")
    if (root / RUN_FILE).is_file():
        run = read_run(root) or {}
        name = run.get("command")
        return [(name, root, run)] if name in judged() else []
    return [(name, folder, run) for name, folder, run in find_runs(root) if name in judged()]
