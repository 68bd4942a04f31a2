"""Run folders as `hw1 report`, `hw1 check` and the Python API find them: which folders under a root hold
a run of a registered experiment, and their claims judged. One discovery, so the report and check see the
same runs. Everything read here comes from files a user may have edited: never through a link, never a
FIFO, never outside the folder (folder_read.py).
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from hw1cli import registry
from hw1cli.claims import evaluate_run
from hw1cli.claims.source import ClaimsDataError
from hw1cli.claims.verdicts import INCONCLUSIVE, ClaimResult
from hw1cli.folder_read import Unreadable, entry, read_csv_rows, read_json
from hw1cli.run_record import RUN_FILE, is_finished

Run = tuple[str, Path, dict[str, Any]]


def claimed() -> list[str]:
    """The experiments that state claims, in suite order."""
    return [e.name for e in registry.EXPERIMENTS if e.claims is not None]


def _children(root: Path) -> list[Path]:
    """The visible real folders directly under root: a link to a folder elsewhere is not read through."""
    try:
        return [p for p in root.iterdir() if not p.name.startswith(".") and not p.is_symlink() and p.is_dir()]
    except OSError:  # no such folder (or unreadable): no runs
        return []


def find_runs(root: Path) -> list[Run]:
    """(experiment, folder, run.json) for every run folder directly under root, in suite order.

    A run folder is any immediate subfolder (not hidden, not a link) whose run.json parses and names a
    registered experiment as its "command", so `hw1 simulate -o outputs/depth3` is found as well as
    `outputs/simulate`. Within one experiment the canonical folder (root/<experiment>) comes first, then the
    others by folder name.
    """
    order = {name: index for index, name in enumerate(registry.names())}
    found = []
    for folder in _children(root):
        try:
            record = read_json(entry(folder, RUN_FILE))
        except Unreadable:
            continue
        if not isinstance(record, dict):
            continue
        # run.json always names its command; one without the key (hand-made) counts only in its canonical folder
        name = record.get("command", folder.name)
        if isinstance(name, str) and name in order:
            found.append((name, folder, record))
    found.sort(key=lambda item: (order[item[0]], item[1].name != item[0], item[1].name))
    return found


def unreadable_runs(root: Path) -> list[tuple[str, str]]:
    """(folder name, why) for each folder holding a run.json the report cannot read (cut short, too deep,
    a link, a FIFO): listed in the report instead of silently missing."""
    problems = []
    for folder in sorted(_children(root)):
        path = folder / RUN_FILE
        try:
            if not path.is_symlink() and not path.exists():
                continue
            record = read_json(entry(folder, RUN_FILE))
        except (Unreadable, OSError) as error:
            problems.append((folder.name, str(error)))
            continue
        if not isinstance(record, dict):
            problems.append((folder.name, f"{RUN_FILE} holds no run record"))
    return problems


def judge_folder(name: str, folder: Path, record: Mapping[str, Any]) -> list[ClaimResult]:
    """The folder's claims; a run that did not finish has none to judge, which is said as one inconclusive row."""
    if not is_finished(record):
        status = record.get("status", "unknown")
        return [ClaimResult(name, "run", f"The {name} run finished.", INCONCLUSIVE,
                            f"run.json says {status!r}: nothing judged; rerun or --resume it", 0)]
    _require_summary_rows(name, folder)
    return evaluate_run(registry.get(name), folder)


def _require_summary_rows(name: str, folder: Path) -> None:
    """A finished run's summary.csv has a row per model or run: one with none (emptied, or not a CSV) is not a
    run's to judge, though each claim alone would only find "no model that finished" and pass as inconclusive.
    A missing summary.csv is left to the claims (interpolate writes none when an endpoint diverged)."""
    path = folder / "summary.csv"
    if not os.path.lexists(path):
        return
    try:
        rows = read_csv_rows(entry(folder, "summary.csv"))
    except Unreadable as error:
        raise ClaimsDataError(f"cannot read {path}: {error}") from None
    if not rows:
        raise ClaimsDataError(f"{folder}: summary.csv has no rows: files do not look like a finished 'hw1 {name}' run")


def judged(runs: Sequence[Run]) -> list[tuple[Path, list[ClaimResult] | str]]:
    """Each run folder's claims, or the one-line reason they could not be judged. Any failure of one folder
    (a crafted CSV the claims choke on) is that folder's line: the report of the others goes on."""
    out: list[tuple[Path, list[ClaimResult] | str]] = []
    for name, folder, record in runs:
        try:
            out.append((folder, judge_folder(name, folder, record)))
        except Exception as error:
            out.append((folder, f"claims not judged: {' '.join(str(error).split())[:300] or type(error).__name__}"))
    return out



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
    root = Path(root)
    own = _record(root)
    if own is not None:
        name = own.get("command")
        return [(name, root, own)] if name in claimed() else []
    try:
        children = sorted(p for p in root.iterdir() if not p.is_symlink() and p.is_dir()) if root.is_dir() else []
    except OSError as error:
        raise ClaimsDataError(f"cannot read {root}: {error.strerror or error}") from None
    for folder in children:
        _record(folder)  # raises for the first folder whose run.json cannot be read
    return [(name, folder, record) for name, folder, record in find_runs(root) if name in claimed()]
