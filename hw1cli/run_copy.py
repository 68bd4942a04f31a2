"""A run folder carried to a worker that shares no disk with this machine (Ray), and the run's files back.

Out go only hw1's own files of the run, as plain files read without following a link: run.json, the files it
lists, the logs and checkpoints/*.pt (what `--resume` needs); nothing else in the folder leaves the machine.
Back, each file the run wrote is put in place by its own atomic write, over a plain file only (which keeps its
permissions); a link, a folder or a FIFO in its place is left as it is and named to the caller. The earlier
run's files that the new run did not write again go (plain files only); everything else in the folder (the
user's files, links, FIFOs, empty folders) stays exactly as it was. run.json is written last, so a kill while
the files come back leaves the earlier record beside them.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path

from hw1cli.files import atomic_write_bytes, is_plain_file, remove_plain_file
from hw1cli.output import CHECKPOINTS, RUN_FILES
from hw1cli.run_record import RUN_FILE, listed_files, read_run
from hw1cli.stash import safe_entry


def own_files(folder: Path) -> list[str]:
    """The names of the run's own files in `folder` that exist as plain files: none without a run.json."""
    record = read_run(folder)
    if record is None:
        return []
    names = [n for n in (*RUN_FILES, *listed_files(record)) if n != CHECKPOINTS]
    checkpoints = folder / CHECKPOINTS
    if checkpoints.is_dir() and not checkpoints.is_symlink():
        names += sorted(f"{CHECKPOINTS}/{p.name}" for p in checkpoints.glob("*.pt"))
    return [n for n in dict.fromkeys(names) if (entry := safe_entry(folder, n)) is not None and is_plain_file(entry)]


def resume_inputs(folder: Path) -> dict[str, bytes]:
    """The run's own files (relative name -> bytes), for a worker elsewhere to resume the run from."""
    inputs = {}
    for name in own_files(folder):
        try:
            inputs[name] = _read_no_follow(folder / name)
        except OSError:
            continue  # replaced meanwhile by something that is not a plain file: not the run's
    return inputs


def write_back(folder: Path, files: Mapping[str, bytes]) -> list[str]:
    """Put a run's `files` (relative name -> bytes) into `folder` as described above; returns the names that
    were not written because their place is taken by something that is not a plain file (or is unsafe)."""
    folder.mkdir(parents=True, exist_ok=True)
    stale = [n for n in own_files(folder) if n not in files]
    skipped = []
    for name in sorted(files, key=lambda n: n == RUN_FILE):  # run.json last
        entry = safe_entry(folder, name)
        if entry is None or (os.path.lexists(entry) and not is_plain_file(entry)):
            skipped.append(name)
            continue
        try:
            entry.parent.mkdir(parents=True, exist_ok=True)
        except OSError:  # a file (or a FIFO) where the run needs a folder
            skipped.append(name)
            continue
        if name == RUN_FILE:
            for old in stale:
                remove_plain_file(folder / old)
        atomic_write_bytes(entry, files[name])
    return skipped


def _read_no_follow(path: Path) -> bytes:
    fd = os.open(path, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0))
    with os.fdopen(fd, "rb") as handle:
        return handle.read()
