"""Operating-system failures (a full disk, a read-only or vanished folder, a name too long) as one line that
says what happened, where, and what to do: these are the machine's problems, not hw1's "internal error"."""

from __future__ import annotations

import errno

_ADVICE = {
    errno.ENOSPC: ("no space left on the device", "free some space (or choose another -o), then continue with --resume"),
    errno.EDQUOT: ("disk quota exceeded", "free some space (or choose another -o), then continue with --resume"),
    errno.EACCES: ("permission denied", "make the folder writable for you, or choose another -o"),
    errno.EPERM: ("operation not permitted", "make the folder writable for you, or choose another -o"),
    errno.EROFS: ("read-only file system", "choose an -o on a writable file system"),
    errno.ENAMETOOLONG: ("file name too long", "use shorter folder names (each at most 255 characters)"),
    errno.ENOENT: ("no such file or folder", "was the output folder moved or deleted while hw1 ran? rerun it"),
    errno.EIO: ("input/output error", "check the disk, then continue with --resume"),
}


def describe_os_error(error: BaseException) -> str | None:
    """One line for an OSError whose cause is the machine's (see _ADVICE), else None."""
    if not isinstance(error, OSError) or error.errno not in _ADVICE:
        return None
    what, todo = _ADVICE[error.errno]
    where = error.filename if error.filename is not None else None
    return f"{what}{f' ({_short_path(str(where))})' if where else ''}: {todo}"


def _short_path(path: str) -> str:
    """Paths whose names are too long are what ENAMETOOLONG is about: keep the line readable."""
    return path if len(path) <= 160 else f"{path[:80]}…{path[-40:]} ({len(path)} characters)"

