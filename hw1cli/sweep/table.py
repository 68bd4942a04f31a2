"""The sweep folder: OUT/<point>/ per point (written whole by rename), OUT/sweep.csv and OUT/sweep.json.

sweep.csv is rewritten atomically, in plan order, each time a point ends, so a reader (or a kill) always sees
a whole table of the points finished so far, and two backends that finish points in different orders write
the same table. A point's folder is the source of truth for --resume: a run.json saying completed or
diverged means the point is done (the folder is renamed into place only once every file is in it).

Safety: the sweep holds a lock on its folder from the checks to the end (a second sweep there is refused at
once), and it replaces or deletes only point folders it can prove a sweep made: each holds a marker with the
id sweep.json records. Names read from sweep.json are data: one plain name each, inside the folder, never
followed through a link; anything else in the folder (the user's) is never touched.
"""

from __future__ import annotations

import csv
import datetime as dt
import json
import os
import re
import shutil
import uuid
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from hw1cli.errors import Hw1Error, UsageError
from hw1cli.failures import describe_os_error
from hw1cli.faults import pause_point
from hw1cli.files import (
    atomic_write_text,
    csv_text,
    is_plain_file,
    is_temp_folder_name,
    read_csv,
    remove_plain_file,
    replace_folder,
)
from hw1cli.folder_read import Unreadable, read_json
from hw1cli.locking import FolderLock
from hw1cli.output import check_output_name
from hw1cli.run_record import is_finished, read_run, versions
from hw1cli.sweep.keys import KeyNumbers, finite_number, key_numbers
from hw1cli.sweep.spec import Axis, Point
from hw1cli.sweep.worker import PointResult

SWEEP_FILE = "sweep.json"
TABLE_FILE = "sweep.csv"
FIGURE_PREFIX = "sweep_vs_"
TAIL_COLUMNS = ("status", "seconds", "host", "error")
POINT_MARKER = ".hw1-sweep-point"  # in every point folder a sweep writes: the id of that sweep
_SWEEP_ID = re.compile(r"^[0-9a-f]{32}$")


def _now() -> str:
    return dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds")


def spec_record(experiment: str, axes: Sequence[Axis], seeds: Sequence[int], options: Sequence[str]) -> dict[str, Any]:
    """What defines a sweep's points: --resume must repeat it exactly."""
    return {"experiment": experiment, "grid": {a.name: list(a.values) for a in axes}, "seeds": list(seeds), "options": list(options)}


class SweepFolder:
    """The sweep's folder: checked on construction (locked first if it exists; nothing is written), then
    `claim` makes it if need be and holds its lock for the whole sweep."""

    def __init__(self, root: Path, spec: Mapping[str, Any], points: Sequence[Point], *, keys: KeyNumbers, force: bool,
                 resume: bool) -> None:
        self.root = Path(root)
        self.spec = dict(spec)
        self.keys = keys  # the experiment's key-number spec (its record's): which summary.csv columns to tabulate
        self.points = list(points)
        self.rows: dict[int, dict[str, Any]] = {}
        self._record: dict[str, Any] = {}
        self._lock: FolderLock | None = None
        self._how = (force, resume)
        check_output_name(self.root)
        try:
            if self.root.is_dir():
                self._lock = _lock(self.root)  # before anything is read: what we check must not change under us
            self._check_all(force, resume)
        except BaseException:
            self.release()
            raise
        # a resumed sweep keeps its id: its point folders stay provably its own
        self.sweep_id = self._previous_id if resume and self._previous_id else uuid.uuid4().hex

    def claim(self) -> None:
        """Make the folder (if need be) and hold its lock until `release`: call once every check passed."""
        if self._lock is None:
            self._claim(*self._how)

    # -- the folder's checks (nothing is written) ------------------------------------------------------------
    def _check_all(self, force: bool, resume: bool) -> None:
        self._previous = self._check(force, resume)
        self._previous_id = _sweep_id(self._previous)
        self.finished = {p.index for p in self.points if resume and not (self.root / p.name).is_symlink()
                         and is_finished(read_run(self.root / p.name))}
        for point in self.points:  # what this sweep will replace must be a point folder a sweep made
            folder = self.root / point.name
            if point.index not in self.finished and os.path.lexists(folder) and not _made_by(folder, self._previous_id):
                raise UsageError(f"{folder} is not a point folder of this sweep (hw1 sweep marks its own); "
                                 "move it away or choose another -o")

    def _check(self, force: bool, resume: bool) -> dict[str, Any] | None:
        root = self.root
        if root.exists() and not root.is_dir():
            raise UsageError(f"output path {root} exists and is not a folder")
        previous = _read_json(root / SWEEP_FILE)
        if resume:
            if previous is None:
                raise UsageError(f"--resume: {root} holds no earlier sweep to continue")
            spec = previous.get("spec") if isinstance(previous.get("spec"), dict) else {}
            changed = sorted(k for k in self.spec if spec.get(k) != self.spec[k])
            if changed:
                raise UsageError(f"--resume must repeat the interrupted sweep; these differ: {', '.join(changed)}")
            return previous
        if force or not root.is_dir():
            return previous
        if previous is not None:
            raise UsageError(f"{root} holds a sweep already; continue it with --resume or start over with --force")
        if any(not p.name.startswith(".") for p in root.iterdir()):
            raise UsageError(f"{root} already holds files that hw1 sweep did not write; choose another -o or pass --force")
        return None

    def _claim(self, force: bool, resume: bool) -> None:
        """Make the folder and lock it; checked again under the lock (another sweep may have made it since)."""
        made = [p for p in (self.root, *self.root.parents) if not os.path.lexists(p)][::-1]
        try:
            self.root.mkdir(parents=True, exist_ok=True)
            self._lock = _lock(self.root)
            self._check_all(force, resume)
            if resume and self._previous_id:
                self.sweep_id = self._previous_id
        except BaseException as error:
            self.release()
            for folder in reversed(made):
                try:
                    folder.rmdir()  # only if empty: never anything put there meanwhile
                except OSError:
                    break
            if isinstance(error, OSError):
                raise Hw1Error(f"cannot make sweep folder {self.root}: {describe_os_error(error) or error}") from None
            raise

    def release(self) -> None:
        """Free the folder for other hw1 processes (also happens when this one ends)."""
        if self._lock is not None:
            self._lock.release()
            self._lock = None

    # -- starting and finishing ----------------------------------------------------------------------------
    def start(self, backend: Mapping[str, Any]) -> None:
        self.root.mkdir(parents=True, exist_ok=True)
        if self._previous is not None and not self.finished:
            self._remove_previous()
        self._remove_leftover_stages()
        table = {str(row.get("point")): row for row in _read_plain_csv(self.root / TABLE_FILE)} if self.finished else {}
        for point in self.points:
            if point.index in self.finished:
                self.rows[point.index] = self._kept_row(point, table)
        self._record = {
            "sweep_id": self.sweep_id, "spec": self.spec, "backend": dict(backend), "points": len(self.points), "versions": versions(),
            "started_at": _now(), "finished_at": None, "status": "running", "counts": {},
        }
        self._write_record()
        self._write_table()
        pause_point("sweep-started")

    def _remove_previous(self) -> None:
        """--force over an earlier sweep: its point folders (proved by their marker), table and figures go.
        The names come from the old sweep.json: one that is not a plain name inside the folder is ignored."""
        previous = self._previous or {}
        names = previous.get("point_names")
        for name in names if isinstance(names, list) else []:
            if _is_plain_name(name) and _made_by(self.root / name, self._previous_id):
                shutil.rmtree(self.root / name, ignore_errors=True)
        grid = previous.get("spec", {}).get("grid") if isinstance(previous.get("spec"), dict) else None
        figures = [f"{FIGURE_PREFIX}{option}.png" for option in (grid if isinstance(grid, dict) else {})]
        for name in [TABLE_FILE, *figures]:
            if _is_plain_name(name):
                remove_plain_file(self.root / name)

    def _remove_leftover_stages(self) -> None:
        """Point folders a kill left half swapped in or out (hidden, hw1's temporary names): only those that
        hold this sweep's (or the earlier sweep's) marker, which replace_folder writes first."""
        for entry in os.scandir(self.root):
            folder = Path(entry.path)
            if is_temp_folder_name(entry.name) and any(_made_by(folder, i) for i in (self.sweep_id, self._previous_id)):
                shutil.rmtree(folder, ignore_errors=True)

    def finish(self, status: str) -> dict[str, int]:
        counts: dict[str, int] = {}
        for row in self.rows.values():
            counts[row["status"]] = counts.get(row["status"], 0) + 1
        self._record.update(status=status, finished_at=_now(), counts=counts)
        self._write_record()
        return counts

    def _write_record(self) -> None:
        self._record["point_names"] = [p.name for p in self.points]
        atomic_write_text(self.root / SWEEP_FILE, json.dumps(self._record, indent=2) + "\n")

    # -- points ----------------------------------------------------------------------------------------------
    def add(self, point: Point, result: PointResult) -> dict[str, Any]:
        """Write the point's files into OUT/<point>/ (whole, by rename) and its row into sweep.csv."""
        folder = self.root / point.name
        if result.files and os.path.lexists(folder) and not _made_by(folder, self.sweep_id) and not _made_by(folder, self._previous_id):
            # someone put a folder of that name there while the sweep ran: it is not ours to replace
            result = PointResult("failed", 1, error=f"{folder} appeared during the sweep and is not hw1's; the point's files were not written",
                                 seconds=result.seconds, host=result.host)
        if result.files:  # a failed point's remains, or a rerun after --force, are replaced whole
            # the marker first: a staging folder a kill leaves half-filled is provably this sweep's
            replace_folder(folder, {POINT_MARKER: self.sweep_id.encode(), **result.files})
        summary = read_csv(folder / "summary.csv") if result.files else []
        numbers = key_numbers(self.keys, summary) if summary else {}
        row = self._row(point, numbers, result.status, round(result.seconds, 3), result.host, result.error)
        self.rows[point.index] = row
        self._write_table()
        return row

    def _row(self, point: Point, numbers: Mapping[str, Any], status: str, seconds: Any, host: str, error: str) -> dict[str, Any]:
        return {"point": point.name, **dict(point.values), "seed": point.seed, **numbers,
                "status": status, "seconds": seconds, "host": host, "error": error}

    def _kept_row(self, point: Point, table: Mapping[str, Mapping[str, str]]) -> dict[str, Any]:
        """A point finished before --resume: its old row in `table` (sweep.csv by point), or one rebuilt from
        its folder if the sweep was killed between writing the folder and the table."""
        old = table.get(point.name)
        # The row is rebuilt, never copied: sweep.csv is a file of the folder that may have been edited, so its
        # columns and numbers are taken from the point (its values, its summary.csv) as add() took them.
        numbers = key_numbers(self.keys, _read_plain_csv(self.root / point.name / "summary.csv"))
        if old is not None and old.get("status") in ("completed", "diverged"):
            seconds = finite_number(old.get("seconds"))
            return self._row(point, numbers, old["status"], "" if seconds is None else seconds,
                             str(old.get("host") or "")[:MAX_HOST], "")
        run = read_run(self.root / point.name) or {}
        return self._row(point, numbers, str(run.get("status")), run.get("duration_seconds", ""), "", "")

    def _write_table(self) -> None:
        rows = [self.rows[i] for i in sorted(self.rows)]
        middle: dict[str, None] = {}
        for row in rows:
            middle.update(dict.fromkeys(k for k in row if k not in ("point", *self.spec["grid"], "seed", *TAIL_COLUMNS)))
        columns = ["point", *self.spec["grid"], "seed", *middle, *TAIL_COLUMNS]
        atomic_write_text(self.root / TABLE_FILE, csv_text(rows, columns))


MAX_HOST = 255  # a host name is at most 253 characters


def _lock(root: Path) -> FolderLock:
    try:
        return FolderLock(root, "sweep folder")
    except Hw1Error as error:  # another sweep (or run) holds it: refused like any bad option, at once
        raise UsageError(str(error)) from None


def _is_plain_name(name: object) -> bool:
    """One visible name inside a folder ("lr=0.1_seed=0"): not "", ".", "..", hidden, a path or absolute."""
    return isinstance(name, str) and bool(name) and not name.startswith(".") and not any(c in name for c in "/\\\0")


def _sweep_id(record: Mapping[str, Any] | None) -> str | None:
    value = (record or {}).get("sweep_id")
    return value if isinstance(value, str) and _SWEEP_ID.match(value) else None


def _made_by(folder: Path, sweep_id: str | None) -> bool:
    """Whether `folder` is a real folder (not a link) holding the marker of sweep `sweep_id`."""
    if sweep_id is None or folder.is_symlink() or not folder.is_dir() or not is_plain_file(folder / POINT_MARKER):
        return False
    try:
        with open(folder / POINT_MARKER, "rb") as handle:
            return handle.read(64).decode("ascii", "replace").strip() == sweep_id
    except OSError:
        return False


def _read_plain_csv(path: Path) -> list[dict[str, str]]:
    """A CSV of the sweep's folder, never read through a link (or from a FIFO): none if it is not a plain file."""
    try:
        return read_csv(path) if is_plain_file(path) else []
    except (OSError, ValueError, csv.Error):  # unreadable, not text, a field too big: the row has no numbers
        return []


def _read_json(path: Path) -> dict[str, Any] | None:
    """sweep.json if it is a plain file (never read through a link) of a sane size and nesting, else None."""
    try:
        record = read_json(path)
    except Unreadable:  # none, a link, too big, nested too deep, not JSON
        return None
    return record if isinstance(record, dict) else None
