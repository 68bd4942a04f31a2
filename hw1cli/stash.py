"""`.previous/`: where a rerun sets the last run's files aside until the new run stands.

Every step can be cut by a kill, so none may lose a file: entries move into `.previous.partial/` one by one
and the finished set becomes `.previous/` by one rename; the next run puts a partial set back before
anything else. A marker file proves a stash folder is hw1's: a `.previous` the user made is never touched.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterable
from pathlib import Path, PurePosixPath

from hw1cli.errors import UsageError
from hw1cli.faults import kill_point
from hw1cli.files import is_plain_file

STASH = ".previous"
_PARTIAL = ".previous.partial"  # a set-aside still being filled
_OLD = ".previous.old"  # a superseded stash on its way out
MARKER = ".hw1-stash"


def safe_entry(directory: Path, name: object) -> Path | None:
    """directory/name if `name` (from run.json, so not trusted) is a relative path that stays inside the
    folder without passing through a link; else None."""
    if not isinstance(name, str) or not name or "\\" in name or "\0" in name:
        return None
    pure = PurePosixPath(name)
    if pure.is_absolute() or any(part in ("..", ".") for part in pure.parts) or name.startswith(STASH):
        return None
    current = directory
    for part in pure.parts[:-1]:
        current = current / part
        if current.is_symlink():
            return None
    return directory / name


def is_ours(folder: Path) -> bool:
    """A real folder (not a link) that hw1 made as a stash: it holds the marker, or (made by an hw1 from
    before the marker) a run.json."""
    if folder.is_symlink() or not folder.is_dir():
        return False
    return any((folder / name).is_file() and not (folder / name).is_symlink() for name in (MARKER, "run.json"))


def _lexists(path: Path) -> bool:
    return os.path.lexists(path)


class Stash:
    """The `.previous/` of one run folder."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self.path = directory / STASH

    def check(self) -> None:
        """Refuse a `.previous` that is not hw1's (a file, a link, the user's own folder): hw1 would have to
        replace it. Reads only."""
        for name in (STASH, _PARTIAL, _OLD):
            path = self.directory / name
            if _lexists(path) and not is_ours(path):
                raise UsageError(f"{path} is not hw1's (hw1 sets a previous run aside there); move it away or choose another -o")

    @property
    def exists(self) -> bool:
        return is_ours(self.path)

    def recover(self) -> None:
        """Finish what a kill cut short: a partial set-aside goes back into the folder (the run it came from
        is still there: run.json moves last), a superseded stash goes."""
        partial = self.directory / _PARTIAL
        if is_ours(partial) and self._move_all(partial, self.directory):
            shutil.rmtree(partial)
        old = self.directory / _OLD
        if is_ours(old):
            shutil.rmtree(old)

    def set_aside(self, names: Iterable[str]) -> None:
        """Move the named entries (those that exist) into a new `.previous/`, replacing an older one."""
        partial = self.directory / _PARTIAL
        partial.mkdir()
        (partial / MARKER).touch()
        for name in dict.fromkeys(names):
            self._move(name, self.directory, partial)
            kill_point("set-aside")
        if self.exists:
            os.replace(self.path, self.directory / _OLD)
        os.replace(partial, self.path)
        self.recover()  # drops the superseded stash

    def add(self, name: str) -> None:
        """Set one more entry aside (a file --force lets a run replace, found when the run first writes it)."""
        if not self.exists:
            self.path.mkdir()
            (self.path / MARKER).touch()
        self._move(name, self.directory, self.path)

    def restore(self) -> None:
        """Put everything set aside back (the new run did not stand); the folder's entries of those names
        were removed first by the caller."""
        if self.exists and self._move_all(self.path, self.directory):
            shutil.rmtree(self.path)

    def keep_as(self, target: Path) -> None:
        """Keep what was set aside as an ordinary folder `target` (a run's history entry), by one rename."""
        if self.exists:
            target.parent.mkdir(parents=True, exist_ok=True)
            os.replace(self.path, target)
            (target / MARKER).unlink(missing_ok=True)  # a plain run folder now, no longer a stash

    def drop(self) -> None:
        """The new run stands: what was set aside is no longer needed."""
        if self.exists:
            shutil.rmtree(self.path)

    @staticmethod
    def _move(name: str, source: Path, target: Path) -> None:
        entry = safe_entry(source, name)
        if entry is None or not _lexists(entry):
            return
        (target / name).parent.mkdir(parents=True, exist_ok=True)
        os.replace(entry, target / name)  # a link moves as a link: its target is never touched

    @staticmethod
    def _move_all(source: Path, target: Path) -> bool:
        """Move every entry of `source` into `target`; False if one had to stay (its place is taken by
        something hw1 did not write), in which case `source` must be kept."""
        complete = True
        for entry in sorted(source.iterdir()):
            if entry.name == MARKER:
                continue
            destination = target / entry.name
            if entry.is_dir() and not entry.is_symlink() and destination.is_dir() and not destination.is_symlink():
                complete &= Stash._move_all(entry, destination)  # e.g. checkpoints/ the new run had made again
            elif not _lexists(destination) or is_plain_file(destination):
                os.replace(entry, destination)
            else:
                complete = False
        return complete
