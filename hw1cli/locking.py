"""One hw1 process per output folder: an exclusive lock on the folder itself, held for the whole run.

Two runs in one folder would interleave metrics.csv rows and replace each other's run.json, so the second
one is refused at once (exit 1). The lock is an flock on the folder's own file descriptor: no lock file to
leave behind, and the kernel drops it when the process ends, however it ends.
"""

from __future__ import annotations

import os
from pathlib import Path

from hw1cli.errors import Hw1Error

try:
    import fcntl
except ImportError:  # pragma: no cover - Windows: no flock, runs are not locked
    fcntl = None  # type: ignore[assignment]


class FolderLock:
    """An exclusive, non-blocking lock on `folder`; `release` (or the end of the process) frees it."""

    def __init__(self, folder: Path, what: str = "output folder") -> None:
        self.folder = Path(folder)
        self._fd: int | None = None
        if fcntl is None:
            return
        fd = os.open(self.folder, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0))
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            raise Hw1Error(f"{what} {self.folder} is in use by another hw1 run; wait for it to end or choose another -o") from None
        self._fd = fd

    def release(self) -> None:
        if self._fd is not None:
            os.close(self._fd)  # closing the descriptor drops the flock
            self._fd = None

    def __del__(self) -> None:
        self.release()


def lock_suite_root(root: Path) -> FolderLock:
    """`hw1 all`'s root, made if need be and held for the whole suite: two suites in one root would run the
    same experiments into the same folders and write one report over the other."""
    try:
        Path(root).mkdir(parents=True, exist_ok=True)
        return FolderLock(root, "suite folder")
    except OSError as error:
        from hw1cli.failures import describe_os_error

        raise Hw1Error(f"cannot use suite folder {root}: {describe_os_error(error) or error}") from None
