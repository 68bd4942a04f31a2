"""What a run folder holds for a tracker, read the same way at the end of a live run and by `hw1 export`.

Everything here is read from files a user may have edited: names are data, never paths outside the folder,
links are not followed, sizes are capped, and a value that is not a number is skipped.
"""

from __future__ import annotations

import csv
import hashlib
import io
import math
import os
import re
import stat
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from hw1cli.phone_layout import is_phone_copy
from hw1cli.run_record import read_run

MAX_FILE_BYTES = 64 * 1024 * 1024  # a metrics.csv of a long gradnorm run is a few MB; more is not ours
STEP_COLUMNS = ("iteration", "epoch", "step")  # the step of a metrics row, for folders that did not record their keys
# Columns that name a model or seed in metrics.csv (every experiment's log keys, less the step)
IDENTITY_COLUMNS = ("function", "depth", "model", "width", "run", "phase", "batch_size", "seed")

Identity = tuple[tuple[str, str], ...]  # (("model", "deep"), ("seed", "0")): one tracker run


def identity_name(identity: Identity) -> str:
    """"model=deep_seed=0" ("run" for a run with one series): a folder-safe, readable name."""
    if not identity:
        return "run"
    text = "_".join(f"{k}={v}" for k, v in identity)
    return re.sub(r"[^A-Za-z0-9._=+-]", "-", text)[:120]


COMMAND = re.compile(r"[a-z][a-z0-9_-]{0,63}")  # an experiment's command name


def run_key(folder: Path, started_at: str, identity: Identity = ()) -> str:
    """A stable id for one run's series in a tracker: the same folder and start always give the same key,
    so exporting twice (or after logging live) finds what is already there instead of duplicating it."""
    text = f"{folder.resolve()}|{started_at}|{identity_name(identity)}"
    return hashlib.sha256(text.encode()).hexdigest()[:32]


@dataclass
class FolderRun:
    """One finished (or stopped) run as its folder records it."""

    folder: Path
    command: str
    started_at: str
    status: str
    config: dict[str, Any]
    keys: tuple[str, ...] = ()  # metrics.csv's key columns (identity..., step) when run.json recorded them
    figures: list[Path] = field(default_factory=list)
    tables: list[Path] = field(default_factory=list)  # summary.csv, claims.csv, run.json
    verdicts: list[tuple[str, str]] = field(default_factory=list)  # (experiment.claim, verdict)
    # config fields the run's mode ignored (registry.unused_fields, which this layer cannot import: set by the
    # caller, hw1 export); left out of TensorBoard's hyper-parameters as the report leaves them out of Settings
    ignored: frozenset[str] = frozenset()

    @property
    def key(self) -> str:
        return run_key(self.folder, self.started_at)


def read_folder(folder: Path) -> FolderRun | None:
    """The run in `folder` (None when it holds no readable run.json)."""
    record = read_run(folder)
    # The command names the tracker's folders and runs: a word like "mnist", never a path ("../x", "/tmp/x").
    if not isinstance(record, dict) or not isinstance(record.get("command"), str) or not COMMAND.fullmatch(record["command"]):
        return None
    config = record.get("config") if isinstance(record.get("config"), dict) else {}
    keys = (record.get("log_keys") or {}).get("metrics.csv") if isinstance(record.get("log_keys"), dict) else None
    run = FolderRun(folder=folder, command=record["command"], started_at=str(record.get("started_at") or ""),
                    status=str(record.get("status") or "unknown"), config=dict(config),
                    keys=tuple(str(k) for k in keys) if isinstance(keys, list) else ())
    for entry in sorted(folder.iterdir()) if folder.is_dir() else []:
        if _plain(entry) is None:
            continue
        if entry.suffix == ".png" and not is_phone_copy(entry.name):  # the phone layout is the report's
            run.figures.append(entry)
        elif entry.name in ("summary.csv", "claims.csv", "run.json"):
            run.tables.append(entry)
    run.verdicts = [(f"{r.get('experiment', '')}.{r.get('claim', '')}", r.get("verdict", ""))
                    for r in read_rows(folder / "claims.csv") if r.get("claim")]
    return run


def series(run: FolderRun) -> dict[Identity, list[tuple[int, dict[str, float]]]]:
    """metrics.csv as {identity: [(step, {column: value})]}, in file order."""
    rows = read_rows(run.folder / "metrics.csv")
    if not rows:
        return {}
    columns = list(rows[0])
    if run.keys and set(run.keys) <= set(columns):
        identity_columns, step_column = list(run.keys[:-1]), run.keys[-1]
    else:
        step_column = next((c for c in STEP_COLUMNS if c in columns), "")
        identity_columns = [c for c in IDENTITY_COLUMNS if c in columns]
    out: dict[Identity, list[tuple[int, dict[str, float]]]] = {}
    for index, row in enumerate(rows):
        identity, step, values = split_row(row, identity_columns, step_column, default_step=index)
        out.setdefault(identity, []).append((step, values))
    return out


def split_row(row: Mapping[str, Any], identity_columns: Sequence[str], step_column: str,
              default_step: int = 0) -> tuple[Identity, int, dict[str, float]]:
    """A metrics row as (identity, step, {metric column: value}); the key columns are not metrics."""
    identity = tuple((c, str(row.get(c, ""))) for c in identity_columns)
    step = _integer(row.get(step_column), default_step)
    skip = {*identity_columns, step_column}
    values = {}
    for name, value in row.items():
        number = number_of(value)
        if name not in skip and number is not None:
            values[str(name)] = number
    return identity, step, values


def number_of(value: Any) -> float | None:
    if isinstance(value, bool) or value is None or value == "":
        return None
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return number if math.isfinite(number) else None


def _integer(value: Any, default: int) -> int:
    number = number_of(value)
    return int(number) if number is not None and abs(number) < 2**62 else default


def read_rows(path: Path) -> list[dict[str, str]]:
    """A CSV's rows, or [] when it is missing, not a plain file, too large or not CSV."""
    data = read_plain_bytes(path)
    if data is None:
        return []
    try:
        return list(csv.DictReader(io.StringIO(data.decode("utf-8", errors="replace"))))
    except csv.Error:
        return []


def read_plain_bytes(path: Path) -> bytes | None:
    """A plain file's bytes (never through a link, never a FIFO or device), or None."""
    if _plain(path) is None:
        return None
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0))
    except OSError:
        return None
    with os.fdopen(fd, "rb") as handle:
        if not stat.S_ISREG(os.fstat(handle.fileno()).st_mode):
            return None
        return handle.read(MAX_FILE_BYTES + 1)[:MAX_FILE_BYTES]


def _plain(path: Path) -> os.stat_result | None:
    try:
        info = path.lstat()
    except OSError:
        return None
    return info if stat.S_ISREG(info.st_mode) and info.st_size <= MAX_FILE_BYTES else None


def flat_params(config: Mapping[str, Any], prefix: str = "") -> dict[str, str]:
    """The resolved config as tracker parameters: one string per field (lists joined by commas)."""
    params: dict[str, str] = {}
    for name, value in config.items():
        key = f"{prefix}{name}"
        if isinstance(value, Mapping):
            params.update(flat_params(value, f"{key}."))
        elif isinstance(value, (list, tuple)):
            params[key] = ",".join(str(v) for v in value)
        else:
            params[key] = "" if value is None else str(value)
    return {k: v[:500] for k, v in params.items()}


def hparam_values(config: Mapping[str, Any], ignored: Collection[str] = (), prefix: str = "") -> dict[str, bool | int | float | str]:
    """The resolved config as TensorBoard hyper-parameters: numbers and booleans as themselves (so the HParams
    view sorts and plots them), lists joined by commas and anything else as text; a field the run's mode
    ignored, a None and a number that is not finite are left out."""
    params: dict[str, bool | int | float | str] = {}
    for name, value in config.items():
        key = f"{prefix}{name}"
        if key in ignored or value is None:
            continue
        if isinstance(value, Mapping):
            params.update(hparam_values(value, ignored, f"{key}."))
        elif isinstance(value, bool) or (isinstance(value, int) and abs(value) < 2**53):
            params[key] = value
        elif isinstance(value, float):
            if math.isfinite(value):
                params[key] = value
        elif isinstance(value, (list, tuple)):
            params[key] = ",".join(str(v) for v in value)[:500]
        else:
            params[key] = str(value)[:500]
    return params
