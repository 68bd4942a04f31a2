"""Files written so that a reader (or a kill) never sees half of one: whole files by rename, CSV logs by line."""

from __future__ import annotations

import csv
import io
import os
import tempfile
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any


def is_timing_column(name: str) -> bool:
    """Wall-clock columns (`seconds`, `*_seconds`) differ between runs: comparisons of two runs skip them."""
    return name == "seconds" or name.endswith("_seconds")


# The process umask, read once (setting it is the only way to read it): files get the user's usual mode.
_UMASK = os.umask(0)
os.umask(_UMASK)


def atomic_write_bytes(path: Path, data: bytes) -> None:
    """Write to a temporary file beside `path`, then rename: readers see the old file or the new one."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        os.chmod(tmp, 0o666 & ~_UMASK)  # mkstemp makes 0600 files; give the user's usual permissions
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def atomic_write_text(path: Path, text: str) -> None:
    atomic_write_bytes(path, text.encode("utf-8"))


def format_value(value: Any) -> str:
    """CSV cell text: floats at full precision, booleans as true/false, None as empty."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return repr(value)
    return str(value)


def csv_text(rows: Sequence[Mapping[str, Any]], columns: Sequence[str] | None = None) -> str:
    columns = list(columns) if columns else _columns_of(rows)
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(columns)
    for row in rows:
        writer.writerow([format_value(row.get(c)) for c in columns])
    return buffer.getvalue()


def _columns_of(rows: Sequence[Mapping[str, Any]]) -> list[str]:
    columns: dict[str, None] = {}
    for row in rows:
        columns.update(dict.fromkeys(row))
    return list(columns)


def write_csv(path: Path, rows: Sequence[Mapping[str, Any]], columns: Sequence[str] | None = None) -> None:
    """Write a whole CSV atomically (summary tables, coordinates)."""
    atomic_write_text(path, csv_text(rows, columns))


def read_csv(path: Path) -> list[dict[str, str]]:
    """Read a CSV written by hw1 (no rows if it does not exist yet); a last line torn by a hard kill (no
    newline) is dropped."""
    if not path.exists():
        return []
    text = path.read_text(encoding="utf-8")
    if text and not text.endswith("\n"):
        text = text[: text.rfind("\n") + 1]
    return list(csv.DictReader(io.StringIO(text)))


class CsvLog:
    """A CSV that grows one row at a time, flushed per row, so a killed run keeps every finished row.

    Each row is one `write` call of a whole line, so a kill leaves at worst a torn last line,
    which `read_csv` (and resume) drop. `keys` are the columns that identify a row (e.g. model and epoch).
    With `append`, rows already on disk are kept and own their keys: a resumed run that replays an epoch
    does not write its row again, and `has` tells the caller so before it measures anything for the row.
    """

    def __init__(self, path: Path, columns: Sequence[str], *, keys: Sequence[str], append: bool = False) -> None:
        unknown = set(keys) - set(columns)
        assert keys and not unknown, f"keys must be columns of {path.name}: {sorted(unknown)}"
        self.path = path
        self.columns = list(columns)
        self.keys = list(keys)
        kept: list[dict[str, str]] = read_csv(path) if append else []
        self._logged = {tuple(row.get(c, "") for c in self.keys) for row in kept}  # what a resumed run need not log
        self._handle = open(path, "w", encoding="utf-8", newline="")  # noqa: SIM115 - open for the whole run
        self._handle.write(csv_text(kept, self.columns))
        self._handle.flush()

    def has(self, row: Mapping[str, Any]) -> bool:
        """Whether the rows kept on disk already hold one with `row`'s key values (other columns are not read)."""
        return tuple(format_value(row.get(c)) for c in self.keys) in self._logged

    def write(self, row: Mapping[str, Any]) -> None:
        """Append `row`, unless a kept row has its keys (a resumed run replaying an epoch it logged)."""
        unknown = set(row) - set(self.columns)
        assert not unknown, f"columns not declared for {self.path.name}: {sorted(unknown)}"
        if self._logged and self.has(row):
            return
        buffer = io.StringIO()
        csv.writer(buffer, lineterminator="\n").writerow([format_value(row.get(c)) for c in self.columns])
        self._handle.write(buffer.getvalue())
        self._handle.flush()

    def close(self) -> None:
        if not self._handle.closed:
            self._handle.close()
