"""The sweep folder: OUT/<point>/ per point (written whole by rename), OUT/sweep.csv and OUT/sweep.json.

sweep.csv is rewritten atomically, in plan order, each time a point ends, so a reader (or a kill) always sees
a whole table of the points finished so far, and two backends that finish points in different orders write
the same table. A point's folder is the source of truth for --resume: a run.json saying completed or
diverged means the point is done (the folder is renamed into place only once every file is in it).
"""

from __future__ import annotations

import datetime as dt
import json
import shutil
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from hw1cli.errors import UsageError
from hw1cli.files import atomic_write_text, csv_text, read_csv, replace_folder
from hw1cli.run_record import is_finished, read_run, versions
from hw1cli.sweep.keys import KeyNumbers, key_numbers
from hw1cli.sweep.spec import Axis, Point
from hw1cli.sweep.worker import PointResult

SWEEP_FILE = "sweep.json"
TABLE_FILE = "sweep.csv"
FIGURE_PREFIX = "sweep_vs_"
TAIL_COLUMNS = ("status", "seconds", "host", "error")


def _now() -> str:
    return dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds")


def spec_record(experiment: str, axes: Sequence[Axis], seeds: Sequence[int], options: Sequence[str]) -> dict[str, Any]:
    """What defines a sweep's points: --resume must repeat it exactly."""
    return {"experiment": experiment, "grid": {a.name: list(a.values) for a in axes}, "seeds": list(seeds), "options": list(options)}


class SweepFolder:
    def __init__(self, root: Path, spec: Mapping[str, Any], points: Sequence[Point], *, keys: KeyNumbers, force: bool,
                 resume: bool) -> None:
        self.root = Path(root)
        self.spec = dict(spec)
        self.keys = keys  # the experiment's key-number spec (its record's): which summary.csv columns to tabulate
        self.points = list(points)
        self.rows: dict[int, dict[str, Any]] = {}
        self._record: dict[str, Any] = {}
        self._previous = self._check(force, resume)
        self.finished = {p.index for p in self.points if resume and is_finished(read_run(self.root / p.name))}

    # -- the folder's checks (nothing is written) ------------------------------------------------------------
    def _check(self, force: bool, resume: bool) -> dict[str, Any] | None:
        root = self.root
        if root.exists() and not root.is_dir():
            raise UsageError(f"output path {root} exists and is not a folder")
        previous = _read_json(root / SWEEP_FILE)
        if resume:
            if previous is None:
                raise UsageError(f"--resume: {root} holds no earlier sweep to continue")
            changed = sorted(k for k in self.spec if previous.get("spec", {}).get(k) != self.spec[k])
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

    # -- starting and finishing ----------------------------------------------------------------------------
    def start(self, backend: Mapping[str, Any]) -> None:
        self.root.mkdir(parents=True, exist_ok=True)
        if self._previous is not None and not self.finished:
            self._remove_previous()
        for point in self.points:
            if point.index in self.finished:
                self.rows[point.index] = self._kept_row(point)
        self._record = {
            "spec": self.spec, "backend": dict(backend), "points": len(self.points), "versions": versions(),
            "started_at": _now(), "finished_at": None, "status": "running", "counts": {},
        }
        self._write_record()
        self._write_table()

    def _remove_previous(self) -> None:
        """--force over an earlier sweep: its point folders, table and figures go (only what it wrote)."""
        for name in self._previous.get("point_names", []) if self._previous else []:
            if name and "/" not in name and (self.root / name / "run.json").exists():
                shutil.rmtree(self.root / name, ignore_errors=True)
        for path in [self.root / TABLE_FILE, *self.root.glob(f"{FIGURE_PREFIX}*.png")]:
            path.unlink(missing_ok=True)

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
        if result.files:
            replace_folder(self.root / point.name, result.files)  # a failed point's remains, or a rerun after --force
        summary = read_csv(self.root / point.name / "summary.csv") if result.files else []
        numbers = key_numbers(self.keys, summary) if summary else {}
        row = self._row(point, numbers, result.status, round(result.seconds, 3), result.host, result.error)
        self.rows[point.index] = row
        self._write_table()
        return row

    def _row(self, point: Point, numbers: Mapping[str, Any], status: str, seconds: Any, host: str, error: str) -> dict[str, Any]:
        return {"point": point.name, **dict(point.values), "seed": point.seed, **numbers,
                "status": status, "seconds": seconds, "host": host, "error": error}

    def _kept_row(self, point: Point) -> dict[str, Any]:
        """A point finished before --resume: its old row, or one rebuilt from its folder if the sweep was
        killed between writing the folder and the table."""
        for old in read_csv(self.root / TABLE_FILE):
            if old.get("point") == point.name and old.get("status") in ("completed", "diverged"):
                return dict(old)
        run = read_run(self.root / point.name) or {}
        numbers = key_numbers(self.keys, read_csv(self.root / point.name / "summary.csv"))
        return self._row(point, numbers, str(run.get("status")), run.get("duration_seconds", ""), "", "")

    def _write_table(self) -> None:
        rows = [self.rows[i] for i in sorted(self.rows)]
        middle: dict[str, None] = {}
        for row in rows:
            middle.update(dict.fromkeys(k for k in row if k not in ("point", *self.spec["grid"], "seed", *TAIL_COLUMNS)))
        columns = ["point", *self.spec["grid"], "seed", *middle, *TAIL_COLUMNS]
        atomic_write_text(self.root / TABLE_FILE, csv_text(rows, columns))


def _read_json(path: Path) -> dict[str, Any] | None:
    try:
        record = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return record if isinstance(record, dict) else None
