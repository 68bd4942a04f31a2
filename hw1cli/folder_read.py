"""Reading files of a run or sweep folder that someone else may have crafted: inside the folder, plain files
only, never through a link, never more than a size cap.

`hw1 report` and `hw1 check` read folders they did not write this session (copied from a cluster, edited by
hand, planted). A name from run.json is data, not a path to follow: an absolute name, a `..`, a link on the
way or at the end, a FIFO (opening one blocks) or a device (/dev/zero never ends) is refused with
`Unreadable`, which the report shows as that one section's "unreadable: ..." line.
"""

from __future__ import annotations

import csv
import io
import json
import os
import stat
from pathlib import Path, PurePosixPath
from typing import Any, BinaryIO

MAX_TEXT_BYTES = 64 * 1024 * 1024  # a summary.csv of 100 runs is a few KB; metrics of long runs some MB
MAX_JSON_BYTES = 8 * 1024 * 1024  # run.json / sweep.json: a config and a file list
MAX_IMAGE_BYTES = 32 * 1024 * 1024  # a 300-dpi figure is a few MB; more is not a figure hw1 drew
MAX_JSON_DEPTH = 64  # hw1's records nest three levels; Python's parser recurses per level


class Unreadable(Exception):
    """A file of a run folder that is not read: outside the folder, a link, not a plain file, too big or
    malformed. The message is one line naming what is wrong."""


def entry(folder: Path, name: object) -> Path:
    """folder/name for a relative `name` that stays inside `folder` and passes through no link (the folder
    itself may be reached through one: the user chose it). Raises Unreadable."""
    if not isinstance(name, str) or not name or "\0" in name or "\\" in name:
        raise Unreadable(f"{name!r} is not a file name")
    pure = PurePosixPath(name)
    if pure.is_absolute() or any(part in ("..", ".") for part in pure.parts):
        raise Unreadable(f"{name!r} points outside the run folder")
    if first_link(Path(folder), pure.parts) is not None:
        raise Unreadable(f"{name} is a link; only the folder's own files are read")
    return Path(folder).joinpath(*pure.parts)


def first_link(folder: Path, parts: tuple[str, ...]) -> Path | None:
    """The first of folder/parts[0], folder/parts[0]/parts[1], ... that is a symbolic link, or None (the
    folder itself may be one: the user chose it). Reading (entry) and writing (files.refuse_links) both ask."""
    current = folder
    for part in parts:
        current = current / part
        if current.is_symlink():
            return current
    return None


def plain_size(path: Path) -> int:
    """The size of a regular file (not a link, FIFO, device or folder), from lstat. Raises Unreadable."""
    try:
        info = os.lstat(path)
    except FileNotFoundError:
        raise Unreadable(f"{path.name} is missing") from None
    except OSError as error:
        raise Unreadable(f"{path.name}: {error.strerror or error}") from None
    if stat.S_ISLNK(info.st_mode):
        raise Unreadable(f"{path.name} is a link; only the folder's own files are read")
    if not stat.S_ISREG(info.st_mode):
        raise Unreadable(f"{path.name} is not a regular file")
    return info.st_size


def open_plain(path: Path) -> BinaryIO:
    """A regular file of the folder opened for reading, whatever its size: never through a link at its end,
    never a FIFO or device (checked on the open descriptor, so a swap after a check is refused too)."""
    plain_size(path)
    flags = os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0)
    try:
        fd = os.open(path, flags)
    except OSError as error:
        raise Unreadable(f"{path.name}: {error.strerror or error}") from None
    handle = os.fdopen(fd, "rb")
    if not stat.S_ISREG(os.fstat(fd).st_mode):
        handle.close()
        raise Unreadable(f"{path.name} is not a regular file")
    return handle


def read_bytes(path: Path, limit: int) -> bytes:
    """A regular file's bytes, at most `limit` of them (more is Unreadable). Opened without following a
    link and without blocking, so a file swapped for a link or a FIFO after the check is still refused."""
    if plain_size(path) > limit:
        raise Unreadable(f"{path.name} is larger than {limit // (1024 * 1024)} MB")
    with open_plain(path) as handle:
        data = handle.read(limit + 1)
    if len(data) > limit:
        raise Unreadable(f"{path.name} is larger than {limit // (1024 * 1024)} MB")
    return data


def read_text(path: Path, limit: int = MAX_TEXT_BYTES) -> str:
    try:
        return read_bytes(path, limit).decode("utf-8")
    except UnicodeDecodeError:
        raise Unreadable(f"{path.name} is not UTF-8 text") from None


def read_csv_rows(path: Path) -> list[dict[str, str]]:
    """Every row of a CSV hw1 wrote; a missing file has none. A torn last line (a hard kill) is dropped, as
    files.read_csv does; a field over csv's 128 KB limit or a NUL byte is Unreadable."""
    try:
        text = read_text(path)
    except Unreadable as error:
        if not os.path.lexists(path):
            return []
        raise error from None
    if text and not text.endswith("\n"):
        text = text[: text.rfind("\n") + 1]
    try:
        rows = list(csv.DictReader(io.StringIO(text)))
    except csv.Error as error:
        raise Unreadable(f"{path.name}: {error}") from None
    # DictReader puts surplus cells under None and fills short rows with None: keep the table rectangular text
    return [{str(k): v if isinstance(v, str) else "" for k, v in row.items() if k is not None} for row in rows]


def read_json(path: Path) -> Any:
    """A JSON file hw1 wrote (run.json, sweep.json); too deep, too big or malformed is Unreadable."""
    text = read_text(path, MAX_JSON_BYTES)
    if text.count("[") + text.count("{") > MAX_JSON_DEPTH and _depth(text) > MAX_JSON_DEPTH:
        raise Unreadable(f"{path.name} nests deeper than {MAX_JSON_DEPTH} levels")
    try:
        return json.loads(text, parse_constant=_no_constant)
    except (ValueError, RecursionError) as error:
        raise Unreadable(f"{path.name} is not valid JSON ({str(error)[:80]})") from None


def _no_constant(name: str) -> float:
    # NaN and Infinity are not JSON; hw1 never writes them (jsonable turns them into null)
    raise ValueError(f"{name} is not JSON")


def _depth(text: str) -> int:
    """The deepest bracket nesting, counted outside strings, before json.loads recurses into it."""
    depth = deepest = 0
    in_string = escaped = False
    for char in text:
        if in_string:
            if escaped:
                escaped = False
            elif char == "\\":
                escaped = True
            elif char == '"':
                in_string = False
        elif char == '"':
            in_string = True
        elif char in "[{":
            depth += 1
            deepest = max(deepest, depth)
        elif char in "]}":
            depth -= 1
    return deepest
