"""Files written so that a reader (or a kill) never sees half of one: whole files by rename, CSV logs by line."""

from __future__ import annotations

import csv
import io
import os
import re
import shutil
import stat
import uuid
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

from hw1cli.errors import DataError, NotOurFile
from hw1cli.faults import kill_point
from hw1cli.folder_read import first_link


def is_timing_column(name: str) -> bool:
    """Wall-clock columns (`seconds`, `*_seconds`) differ between runs: comparisons of two runs skip them."""
    return name == "seconds" or name.endswith("_seconds")


# hw1's temporary names: ".hw1-tmp-<pid>-<12 hex>.tmp" (a file being written, then renamed into place),
# ".hw1-write-test-<pid>-<12 hex>" (a probe that the folder is writable) and ".hw1-stage-..."/".hw1-old-..."
# (a folder being swapped in or out). A kill can leave one behind; the next run removes the files, and only
# names that match exactly: a user's ".notes.20241201.tmp" is never taken for hw1's.
_TEMP_FILE = re.compile(r"^\.hw1-(?:tmp-\d{1,10}-[0-9a-f]{12}\.tmp|write-test-\d{1,10}-[0-9a-f]{12})$")


_TEMP_FOLDER = re.compile(r"^\.hw1-(?:stage|old)-\d{1,10}-[0-9a-f]{12}$")


def is_temp_folder_name(name: str) -> bool:
    """A folder replace_folder swaps in or out (a kill may leave one): the caller must still prove it is hw1's."""
    return _TEMP_FOLDER.match(name) is not None


def temp_name(kind: str, suffix: str = "") -> str:
    """A hidden name no user file has by chance, and unique (pid and random part): ".hw1-KIND-<pid>-<hex>"."""
    return f".hw1-{kind}-{os.getpid()}-{uuid.uuid4().hex[:12]}{suffix}"


def is_temp_file_name(name: str) -> bool:
    return _TEMP_FILE.match(name) is not None


def _plain_mode(path: Path) -> int | None:
    """The permission bits of `path` if it is a plain file (not a link), else None."""
    try:
        info = os.lstat(path)
    except OSError:
        return None
    return stat.S_IMODE(info.st_mode) if stat.S_ISREG(info.st_mode) else None


def atomic_write_bytes(path: Path, data: bytes) -> None:
    """Write to a temporary file beside `path`, then rename: readers see the old file or the new one.

    A file that is replaced keeps its permissions (a user's 0600 stays 0600); a new one gets the user's usual
    mode (0666 less the umask). The folder must exist: one that vanished mid-run is an error to report, not
    something to make again (remaking it would end a run as "completed" with its metrics.csv gone)."""
    mode = _plain_mode(path)
    tmp = path.parent / temp_name("tmp", ".tmp")
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_CLOEXEC", 0)
    fd = os.open(tmp, flags, 0o666)  # the kernel applies the umask
    try:
        if mode is not None:
            os.fchmod(fd, mode)
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def probe_writable(folder: Path) -> None:
    """Create and remove a file in `folder` (raises OSError if the folder cannot be written)."""
    probe = folder / temp_name("write-test")
    fd = os.open(probe, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0), 0o600)
    os.close(fd)
    probe.unlink()


def is_inside_name(name: object) -> bool:
    """Whether `name` (from a file or another process, so not trusted) is a relative path of plain parts that
    stays inside the folder it is joined to: no "..", ".", absolute path, backslash or NUL."""
    if not isinstance(name, str) or not name or "\\" in name or "\0" in name or name.startswith("/"):
        return False
    return all(part not in ("", ".", "..") for part in name.split("/"))


def replace_folder(target: Path, files: Mapping[str, bytes]) -> None:
    """Make `target` hold exactly `files` (relative path -> bytes): written into a hidden staging folder
    beside it, then renamed into place, so a reader (or a kill) sees the old folder or the new one whole.
    Only for a folder the caller has proved it made (a sweep's point folder, by its marker): whatever else
    is in it goes."""
    unsafe = [name for name in files if not is_inside_name(name)]
    if unsafe:
        raise ValueError(f"not a file name inside a folder: {unsafe[0]!r}")
    staging = target.parent / temp_name("stage")
    for relative, data in files.items():
        path = staging / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
    staging.mkdir(parents=True, exist_ok=True)  # no files: an empty folder
    old = target.parent / temp_name("old")
    if os.path.lexists(target):
        os.rename(target, old)
    os.rename(staging, target)
    shutil.rmtree(old, ignore_errors=True)


def atomic_write_text(path: Path, text: str) -> None:
    atomic_write_bytes(path, text.encode("utf-8"))


def is_plain_file(path: Path) -> bool:
    """A regular file, not a link to one (os.lstat): the only kind of entry hw1 removes or overwrites."""
    try:
        return stat.S_ISREG(os.lstat(path).st_mode)
    except OSError:
        return False


def remove_plain_file(path: Path) -> None:
    """Unlink `path` if it is a plain file; a link, a folder or nothing is left alone."""
    if is_plain_file(path):
        path.unlink(missing_ok=True)


def remove_leftover_temps(folder: Path) -> list[str]:
    """Remove the temporary files of writes a kill cut short (plain files with our temporary names only)."""
    removed = []
    try:
        entries = list(os.scandir(folder))
    except OSError:
        return removed
    for entry in entries:
        if is_temp_file_name(entry.name) and entry.is_file(follow_symlinks=False):
            remove_plain_file(Path(entry.path))
            removed.append(entry.name)
    return removed


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

    def __init__(self, path: Path, columns: Sequence[str], *, keys: Sequence[str], append: bool = False,
                 on_row: Callable[[Sequence[str], Mapping[str, Any]], None] | None = None) -> None:
        unknown = set(keys) - set(columns)
        assert keys and not unknown, f"keys must be columns of {path.name}: {sorted(unknown)}"
        self.path = path
        self.columns = list(columns)
        self.keys = list(keys)
        self.on_row = on_row  # told of every row written (live trackers), after it is on disk
        if path.is_symlink():
            raise NotOurFile(path)
        header = csv_text([], self.columns)
        kept: list[dict[str, str]] = _keep_complete_lines(path, header) if append else []
        self.rows = len(kept)  # rows on disk now: run.json records it, so a resume can tell rows went missing
        self._logged = {tuple(row.get(c, "") for c in self.keys) for row in kept}  # what a resumed run need not log
        # The rows already on disk stay where they are: appending never truncates, so a kill at any point of a
        # resume leaves every finished row in place. O_NOFOLLOW: a link planted as metrics.csv is refused,
        # never written through.
        flags = os.O_WRONLY | os.O_CREAT | getattr(os, "O_NOFOLLOW", 0) | (os.O_APPEND if append else os.O_TRUNC)
        fd = os.open(path, flags, 0o666)
        self._handle = open(fd, "w", encoding="utf-8", newline="")  # noqa: SIM115 - open for the whole run
        kill_point("log-opened")
        if not append or os.fstat(fd).st_size == 0:
            self._handle.write(header)
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
        self.rows += 1
        if self.on_row is not None:
            self.on_row(self.keys, row)

    def close(self) -> None:
        if not self._handle.closed:
            self._handle.close()


def refuse_links(root: Path, path: Path) -> None:
    """Raise NotOurFile where `path`, or a folder between `root` and it, is a symbolic link: hw1 writes below a
    folder the user chose only through folders it made (root itself may be a link: the user chose it)."""
    link = first_link(Path(root), Path(path).relative_to(root).parts)
    if link is not None:
        raise NotOurFile(link)


def _keep_complete_lines(path: Path, header: str) -> list[dict[str, str]]:
    """Prepare a log for appending: a torn last line (a kill mid-write) is cut off in place and the complete
    rows are returned. Only a file with another header (an older version's columns) is rewritten, whole and
    atomically, so the rows are on disk at every moment."""
    if not os.path.lexists(path):
        return []
    if not path.is_file():  # a FIFO would block the read, a folder cannot be appended to
        raise NotOurFile(path, "not a plain file")
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        raise DataError(f"{path} is not UTF-8 text: it is corrupt; rerun without --resume to start over") from None
    complete = text[: text.rfind("\n") + 1]
    try:
        rows = list(csv.DictReader(io.StringIO(complete)))
    except csv.Error as error:
        raise DataError(f"{path} is corrupt ({error}); rerun without --resume to start over") from None
    for number, row in enumerate(rows, start=2):  # a complete line with too few or too many cells: not hw1's
        if None in row or None in row.values():
            raise DataError(f"{path} line {number} does not have the header's {len(row) - (None in row)} columns: "
                            "it is corrupt; rerun without --resume to start over")
    if complete and not complete.startswith(header):
        columns = next(csv.reader(io.StringIO(header)))
        atomic_write_text(path, csv_text(rows, columns))
    elif len(complete) < len(text):
        os.truncate(path, len(complete.encode("utf-8")))
    return rows
