"""Judging whole run folders: the claims of one folder, or of every run folder under a suite's root."""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from hw1cli.claims import evaluate_run, judged
from hw1cli.claims.source import ClaimsDataError
from hw1cli.claims.verdicts import INCONCLUSIVE, ClaimResult
from hw1cli.folder_read import Unreadable, entry, read_json
from hw1cli.run_record import RUN_FILE, is_finished


def judge_folder(name: str, folder: Path, run: Mapping[str, Any]) -> list[ClaimResult]:
    """The folder's claims; a run that did not finish has none to judge, which is said as one inconclusive row."""
    if not is_finished(run):
        status = run.get("status", "unknown")
        return [ClaimResult(name, "run", f"The {name} run finished.", INCONCLUSIVE,
                            f"run.json says {status!r}: nothing judged; rerun or --resume it", 0)]
    return evaluate_run(name, folder)


def _record(folder: Path) -> dict[str, Any] | None:
    """folder/run.json as a record; None where there is none; ClaimsDataError where it cannot be read (a
    link, a FIFO, cut short, nested past any run's depth)."""
    if not os.path.lexists(folder / RUN_FILE):
        return None
    try:
        record = read_json(entry(folder, RUN_FILE))
    except Unreadable as error:
        raise ClaimsDataError(f"cannot read {folder / RUN_FILE}: {error}") from None
    if not isinstance(record, dict):
        raise ClaimsDataError(f"cannot read {folder / RUN_FILE}: not a run record")
    return record


def run_folders(root: Path) -> list[tuple[str, Path, dict[str, Any]]]:
    """(experiment, folder, run.json) for `root` itself when it is a run folder, else for each run folder in it.

    A run.json that cannot be read is an error (ClaimsDataError), not a folder to skip silently.
    """
    from hw1cli.report import find_runs  # the report's own discovery, so check and report see the same runs

    root = Path(root)
    own = _record(root)
    if own is not None:
        name = own.get("command")
        return [(name, root, own)] if name in judged() else []
    try:
        children = sorted(p for p in root.iterdir() if not p.is_symlink() and p.is_dir()) if root.is_dir() else []
    except OSError as error:
        raise ClaimsDataError(f"cannot read {root}: {error.strerror or error}") from None
    for folder in children:
        _record(folder)  # raises for the first folder whose run.json cannot be read
    return [(name, folder, run) for name, folder, run in find_runs(root) if name in judged()]
