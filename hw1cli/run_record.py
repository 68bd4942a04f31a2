"""run.json: reading a run's record, writing it so that a full disk still gets its final state, and what goes in
it (versions, JSON-safe values)."""

from __future__ import annotations

import dataclasses
import datetime as dt
import errno
import json
import os
import platform
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from hw1cli import __version__
from hw1cli.files import atomic_write_text
from hw1cli.folder_read import Unreadable, read_json
from hw1cli.provenance import dependency_versions
from hw1cli.stash import safe_entry

RUN_FILE = "run.json"
# run.json of a run under way reserves this much trailing white space (valid JSON), so that its final state
# can still be written over it in place when a full disk refuses the temporary file of an atomic write.
RESERVE = 512


def jsonable(value: Any) -> Any:
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {k: jsonable(v) for k, v in dataclasses.asdict(value).items()}
    if isinstance(value, Mapping):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [jsonable(v) for v in value]
    if isinstance(value, Path):
        return str(value)
    if isinstance(value, float) and (value != value or value in (float("inf"), float("-inf"))):
        return str(value)
    if isinstance(value, (str, int, float, bool)) or value is None:
        return value
    return str(value)


def now() -> str:
    return dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds")


def versions() -> dict[str, str]:
    """hw1, python, the platform and every dependency present (torch, torchvision, numpy, matplotlib,
    scikit-learn, typer, click, rich, jinja2), from package metadata: nothing is imported."""
    return {
        "hw1": __version__,
        "python": platform.python_version(),
        **dependency_versions(),
        "platform": platform.platform(),
    }


def read_run(directory: Path) -> dict[str, Any] | None:
    """directory/run.json, or None where there is none (or it is unreadable, or a link)."""
    try:  # folder_read: a plain file (missing, a link, a FIFO: None) of bounded size and nesting
        record = read_json(Path(directory) / RUN_FILE)
    except Unreadable:
        return None
    return record if isinstance(record, dict) else None


def is_finished(record: Mapping[str, Any] | None) -> bool:
    return record is not None and record.get("status") in ("completed", "diverged")


def listed_files(record: Mapping[str, Any] | None) -> list[str]:
    """run.json's "files", keeping only names that stay inside the folder (the file may have been edited)."""
    files = (record or {}).get("files")
    return [f for f in files if safe_entry(Path("."), f) is not None] if isinstance(files, list) else []


def write_record(path: Path, record: Mapping[str, Any]) -> None:
    """Write run.json atomically; on a full disk, over the running record's own blocks (its reserve)."""
    text = json.dumps(record, indent=2) + "\n"
    if record["status"] == "running":
        text += " " * RESERVE + "\n"
    try:
        atomic_write_text(path, text)
    except OSError as error:
        if error.errno not in (errno.ENOSPC, errno.EDQUOT) or not _overwrite_in_place(path, text.rstrip() + "\n"):
            raise


def _overwrite_in_place(path: Path, text: str) -> bool:
    """Write `text` over the file's own blocks (no new space needed when it is not longer); False if it is."""
    data = text.encode("utf-8")
    try:
        fd = os.open(path, os.O_WRONLY | getattr(os, "O_NOFOLLOW", 0))
    except OSError:
        return False
    try:
        if len(data) > os.fstat(fd).st_size:
            return False
        os.write(fd, data)
        os.ftruncate(fd, len(data))
        os.fsync(fd)
        return True
    except OSError:
        return False
    finally:
        os.close(fd)
