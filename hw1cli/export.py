"""`hw1 export`: existing run, suite and sweep folders into TensorBoard or MLflow, after the fact.

Idempotent: a run already in the tracker (exported before, or logged live with --log-to) is found again and
only what it lacks is added (MLflow: by its key, folder + start time; TensorBoard: by the record beside its
events, in the run folder's own tb/), so exporting twice never duplicates, and a run exported while interrupted
and then resumed gets its later steps and its final status. A sweep becomes one MLflow
parent run with a child per point (its swept values as parameters, its key numbers as metrics), or, in
TensorBoard, one HParams row per point, so the points compare side by side.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from hw1cli import registry
from hw1cli.errors import Hw1Error
from hw1cli.folder_read import Unreadable, read_json
from hw1cli.locking import FolderLock
from hw1cli.tracking import TrackerSpec
from hw1cli.tracking.folder import FolderRun, number_of, read_folder, read_rows, series
from hw1cli.tracking.session import make_sink, warn

SWEEP_FILE = "sweep.json"
SWEEP_TABLE = "sweep.csv"
# sweep.csv columns that are not a point's key numbers
_SWEEP_NOT_NUMBERS = ("point", "seed", "status", "seconds", "host", "error")


@dataclass
class ExportCount:
    exported: int = 0
    already_there: int = 0
    running: int = 0  # runs still training in another process: left to it (and to a later export)

    def add(self, other: ExportCount) -> None:
        self.exported += other.exported
        self.already_there += other.already_there
        self.running += other.running


def export_folder(target: Path, specs: Sequence[TrackerSpec]) -> dict[str, ExportCount]:
    """Export `target` (a run folder, a sweep folder, or a root holding them) to every tracker."""
    counts = {spec.kind: ExportCount() for spec in specs}
    target = Path(target)
    # MLflow's default store sits beside a run or sweep folder (as a live run's does), inside a root of them
    own = (target / "run.json").is_file() or (target / SWEEP_FILE).is_file()
    store_root = target.parent if own else target
    for spec in specs:
        for folder in _folders(target):
            sweep = _read_sweep(folder)
            if sweep is not None:
                counts[spec.kind].add(export_sweep(folder, sweep, spec, store_root))
            else:
                run = read_folder(folder)
                if run is not None:
                    counts[spec.kind].add(export_run(run, spec, store_root))
    return counts


class SweepExport:
    """`hw1 sweep --log-to`: the points finished so far go to the trackers after each point (those already
    there are skipped). A tracker that fails is one warning and is not asked again; the sweep goes on."""

    def __init__(self, root: Path, specs: Sequence[TrackerSpec]) -> None:
        self.root = Path(root)
        self.specs = list(specs)

    def update(self) -> None:
        for spec in list(self.specs):
            try:
                export_folder(self.root, (spec,))
            except Exception as error:
                warn(spec.kind, error)
                self.specs.remove(spec)


def _folders(target: Path) -> list[Path]:
    """target itself when it is a run or sweep folder, else its subfolders that are (not through links)."""
    if (target / "run.json").is_file() or (target / SWEEP_FILE).is_file():
        return [target]
    try:
        children = sorted(p for p in target.iterdir() if p.is_dir() and not p.is_symlink() and not p.name.startswith("."))
    except OSError:
        return []
    return [p for p in children if (p / "run.json").is_file() or (p / SWEEP_FILE).is_file()]


def _read_sweep(folder: Path) -> dict[str, Any] | None:
    try:
        record = read_json(folder / SWEEP_FILE)
    except Unreadable:  # none, a link, too big, too deep, not JSON
        return None
    return record if isinstance(record, dict) and isinstance(record.get("spec"), dict) else None


def export_run(run: FolderRun, spec: TrackerSpec, store_root: Path, *, parent_run_id: str | None = None,
               experiment: str = "", extra_params: Mapping[str, Any] | None = None,
               key_numbers: Mapping[str, float] | None = None, place: str = "") -> ExportCount:
    """One run folder into one tracker (already there when the tracker holds all of it).

    TensorBoard: by default into the run folder's own tb/, the one place live logging writes too, whether the
    export names the run, its sweep or a root holding them; `tensorboard:DIR` puts it in DIR/<place> (the run
    folder's name; a sweep point's is sweep/point), also the same whichever folder was exported."""
    if run.status == "running" and _in_use(run.folder):
        # its own process holds the folder and may be logging it live: an export now would write its steps and a
        # "running" closing beside the live log's (TensorBoard duplicates, a status written twice)
        return ExportCount(running=1)
    options: dict[str, Any] = {}
    if spec.kind == "mlflow":
        options = {"experiment": experiment, "parent_run_id": parent_run_id}
    else:
        run = replace(run, ignored=frozenset(registry.unused_fields(run.command, run.config)))
    sink = make_sink(spec, command=run.command, folder=run.folder, started_at=run.started_at, store_root=store_root,
                     skip_existing=True, place=place, **options)
    sink.open({**run.config, **(extra_params or {})})
    if getattr(sink, "skipped", False):
        return ExportCount(already_there=1)
    for identity, points in series(run).items():
        sink.rows(identity, points)
    sink.close(run, run.status, key_numbers)
    if not getattr(sink, "wrote", True):  # TensorBoard: every step and the closing data were there already
        return ExportCount(already_there=1)
    return ExportCount(exported=1)


def _in_use(folder: Path) -> bool:
    """Whether an hw1 process holds `folder` (its run is going on now), by trying its lock for a moment."""
    try:
        FolderLock(folder).release()
    except Hw1Error:
        return True
    except OSError:  # cannot even open the folder: reading it will say so
        return False
    return False


def export_sweep(folder: Path, record: Mapping[str, Any], spec: TrackerSpec, store_root: Path) -> ExportCount:
    """A sweep: a parent MLflow run (the spec as parameters) and each point as its child run."""
    experiment = str(record["spec"].get("experiment", "run"))
    grid = [str(k) for k in (record["spec"].get("grid") or {})]
    rows = {r.get("point", ""): r for r in read_rows(folder / SWEEP_TABLE)}
    parent_id = None
    if spec.kind == "mlflow":
        parent_id = _sweep_parent(folder, record, spec, store_root)
    count = ExportCount()
    for name, row in rows.items():
        point = folder / name
        if not name or "/" in name or name in (".", "..") or point.is_symlink() or not point.is_dir():
            continue  # a name from a file is data: never a path outside the sweep folder
        run = read_folder(point)
        if run is None:
            continue
        numbers = {k: v for k, v in ((k, number_of(v)) for k, v in row.items()
                                     if k not in (*_SWEEP_NOT_NUMBERS, *grid)) if v is not None}
        swept = {f"sweep.{g}": row.get(g, "") for g in grid} | {"sweep.seed": row.get("seed", "")}
        count.add(export_run(run, spec, store_root, parent_run_id=parent_id, experiment=f"hw1-sweep-{experiment}",
                             extra_params=swept, key_numbers=numbers, place=f"{folder.name}/{name}"))
    return count


def _sweep_parent(folder: Path, record: Mapping[str, Any], spec: TrackerSpec, store_root: Path) -> str:
    from hw1cli.tracking.mlflow_sink import MlflowSink

    experiment = str(record["spec"].get("experiment", "run"))
    started = str(record.get("started_at", ""))
    parent = MlflowSink(spec.target, store_root, folder, f"sweep-{experiment}", started,
                        experiment=f"hw1-sweep-{experiment}", run_name=folder.name,
                        extra_tags={"hw1_sweep": "true"})
    params = {"experiment": experiment, "seeds": record["spec"].get("seeds", []),
              **{f"grid.{k}": v for k, v in (record["spec"].get("grid") or {}).items()}}
    parent.open(params)
    parent.close(None, str(record.get("status", "completed")))
    return parent.run_id
