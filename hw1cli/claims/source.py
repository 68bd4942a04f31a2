"""Reading a run folder for the claims: its CSVs and run.json, and nothing else (so old folders can be re-judged).

A missing file or column, or a cell that is not a number, is a `ClaimsDataError` (exit code 1): the folder
is not what the experiment writes, and no verdict can be trusted.
"""

from __future__ import annotations

import math
import os
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from hw1cli.errors import Hw1Error
from hw1cli.folder_read import Unreadable, entry, read_csv_rows, read_json


class ClaimsDataError(Hw1Error):
    """A run folder's files cannot be read as its experiment writes them."""


def read_rows(folder: Path, name: str, columns: Iterable[str] = ()) -> list[dict[str, str]]:
    """Every row of folder/name, checked to have `columns`."""
    path = Path(folder) / name
    if not os.path.lexists(path):
        raise ClaimsDataError(f"{path} is missing")
    try:  # inside the folder, a plain file, capped: a link out, a FIFO or /dev/zero is refused, not read
        rows = read_csv_rows(entry(Path(folder), name))
    except Unreadable as error:
        raise ClaimsDataError(f"cannot read {path}: {error}") from None
    missing = [c for c in columns if rows and c not in rows[0]]
    if missing:
        raise ClaimsDataError(f"{path} lacks the column{'s' if len(missing) > 1 else ''} {', '.join(missing)}")
    return rows


def read_config(folder: Path) -> dict[str, Any]:
    """run.json's config (the options the run used)."""
    path = Path(folder) / "run.json"
    if not os.path.lexists(path):
        raise ClaimsDataError(f"{path} is missing")
    try:
        record = read_json(entry(Path(folder), "run.json"))
    except Unreadable as error:
        raise ClaimsDataError(f"cannot read {path}: {error}") from None
    config = record.get("config") if isinstance(record, dict) else None
    if not isinstance(config, dict):
        raise ClaimsDataError(f"{path} holds no config")
    return config


def number(row: Mapping[str, str], column: str) -> float | None:
    """The cell as a float; None for an empty cell (a diverged model's missing measurement)."""
    text = (row.get(column) or "").strip()
    if not text:
        return None
    try:
        return float(text)
    except ValueError:
        raise ClaimsDataError(f"column {column!r} holds {text!r}, not a number") from None


def finite(row: Mapping[str, str], column: str) -> float | None:
    """The cell as a finite float, else None (empty, nan or inf: nothing to compare)."""
    value = number(row, column)
    return value if value is not None and math.isfinite(value) else None


def seed_of(row: Mapping[str, str], default: int) -> int:
    """The row's seed; runs from before the `seed` column trained one seed, run.json's."""
    value = number(row, "seed") if "seed" in row else None
    return int(value) if value is not None else default
