"""The run folder: what a run may write where, run.json, and how a rerun sets the previous run aside."""

from __future__ import annotations

import dataclasses
import datetime as dt
import io
import json
import os
import platform
import shutil
import sys
import tempfile
import time
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from hw1cli import __version__
from hw1cli.errors import Hw1Error, UsageError
from hw1cli.files import CsvLog, atomic_write_bytes, atomic_write_text, read_csv, write_csv

RUN_FILE = "run.json"
# Where a rerun sets the previous run's files aside until the new run stands (see RunOutput.discard).
STASH = ".previous"
# What every run may leave besides the files run.json lists (a run killed early has not listed them yet).
_RUN_FILES = ("metrics.csv", "summary.csv", "checkpoints", RUN_FILE)
# Files our own runs leave behind that never make a folder "foreign".
_IGNORED_NAMES = {".DS_Store", ".gitkeep", "checkpoints"}


def _jsonable(value: Any) -> Any:
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {k: _jsonable(v) for k, v in dataclasses.asdict(value).items()}
    if isinstance(value, Mapping):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_jsonable(v) for v in value]
    if isinstance(value, Path):
        return str(value)
    if isinstance(value, float) and (value != value or value in (float("inf"), float("-inf"))):
        return str(value)
    if isinstance(value, (str, int, float, bool)) or value is None:
        return value
    return str(value)


def _now() -> str:
    return dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds")


def versions() -> dict[str, str]:
    import numpy
    import torch

    return {
        "hw1": __version__,
        "python": platform.python_version(),
        "torch": torch.__version__,
        "numpy": numpy.__version__,
        "platform": platform.platform(),
    }


def read_run(directory: Path) -> dict[str, Any] | None:
    """directory/run.json, or None where there is none (or it is unreadable)."""
    path = Path(directory) / RUN_FILE
    if not path.exists():
        return None
    try:
        record = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return record if isinstance(record, dict) else None


def is_finished(record: Mapping[str, Any] | None) -> bool:
    return record is not None and record.get("status") in ("completed", "diverged")


def check_folder(directory: Path, command: str, *, force: bool, resume: bool) -> dict[str, Any] | None:
    """Refuse a folder this run must not write into (UsageError); else its earlier run's run.json, if any.
    Reads only: `hw1 all` checks every experiment's folder this way before anything trains."""
    d = Path(directory)
    if d.exists() and not d.is_dir():
        raise UsageError(f"output path {d} exists and is not a folder")
    previous = read_run(d) if d.is_dir() else None
    foreign = [p.name for p in d.iterdir() if p.name not in _IGNORED_NAMES and not p.name.startswith(".")] if d.is_dir() else []
    if previous is not None and previous.get("command") != command and not force:
        raise UsageError(f"{d} holds outputs of 'hw1 {previous.get('command')}'; choose another -o or pass --force")
    if previous is None and foreign and not force:
        raise UsageError(f"{d} already holds files that hw1 did not write; choose another -o or pass --force")
    if resume and previous is None:
        raise UsageError(f"--resume: {d} holds no earlier run of 'hw1 {command}' to continue")
    return previous


def check_resumable(previous: Mapping[str, Any], config: Any) -> None:
    """--resume continues the same run: a changed option would mix two configurations in one folder."""
    old, new = previous.get("config", {}), _jsonable(config)
    # the device may change between sessions; the *_is_limit flags follow --quick, which is compared itself
    changed = sorted(k for k in {*old, *new} if k != "device" and not k.endswith("_is_limit") and old.get(k) != new.get(k))
    if changed:
        options = ", ".join(f"--{k.replace('_', '-')}" for k in changed)
        raise UsageError(f"--resume must repeat the interrupted run's options; these differ: {options}")


class RunOutput:
    """One experiment's output folder: what it may write, and run.json describing the run."""

    def __init__(self, directory: Path, command: str, *, force: bool = False, resume: bool = False) -> None:
        self.directory = Path(directory)
        self.command = command
        self.resume = resume
        self._files: list[str] = []
        self._record: dict[str, Any] = {}
        self._started = time.perf_counter()
        self._created: list[Path] = []  # folders this run made, removed again if it is discarded
        self._stash: Path | None = None
        self.previous: dict[str, Any] | None = None  # the folder's earlier run.json (with --resume: the run to continue)
        try:
            self._prepare(force)
        except Hw1Error:
            self._remove_created_folders()
            raise

    # -- folder safety -------------------------------------------------------------------------------
    def _prepare(self, force: bool) -> None:
        d = self.directory
        if d.exists() and not d.is_dir():
            raise UsageError(f"output path {d} exists and is not a folder")
        try:
            self._created = [p for p in (d, *d.parents) if not p.exists()][::-1]
            d.mkdir(parents=True, exist_ok=True)
            with tempfile.NamedTemporaryFile(dir=d, prefix=".write-test."):
                pass
        except OSError as error:
            raise Hw1Error(f"cannot write to output folder {d}: {error.strerror or error}") from None
        self.previous = check_folder(d, self.command, force=force, resume=self.resume)
        if self.previous is not None and not self.resume:
            self._stash_previous(self.previous)

    def check_resumable(self, config: Any) -> None:
        if self.resume and self.previous is not None:
            check_resumable(self.previous, config)

    def _stash_previous(self, previous: Mapping[str, Any]) -> None:
        """A fresh rerun starts clean (stale figures or rows must not survive beside new ones), but the last
        run's files are only set aside in .previous/ until the new run stands, so a failed rerun loses nothing."""
        stash = self.directory / STASH
        names = dict.fromkeys([*previous.get("files", []), *_RUN_FILES])
        if stash.is_dir() and is_finished(read_run(stash)) and not is_finished(previous):
            # A rerun was killed outright: .previous/ still holds the last run that finished, the folder only
            # that rerun's remains. Keep the finished one set aside; the remains go.
            for name in names:
                self._remove(self.directory / name)
            self._stash = stash
            return
        shutil.rmtree(stash, ignore_errors=True)
        stash.mkdir()
        for name in names:
            source = self.directory / name
            if source.exists():
                (stash / name).parent.mkdir(parents=True, exist_ok=True)
                os.replace(source, stash / name)
        self._stash = stash

    @staticmethod
    def _remove(path: Path) -> None:
        if path.is_dir():
            shutil.rmtree(path, ignore_errors=True)
        else:
            path.unlink(missing_ok=True)

    def keep(self) -> None:
        """The new run stands (finished, diverged or interrupted for --resume): drop the previous one, and a
        stale .previous/ left by a rerun that was killed outright and has now been resumed."""
        shutil.rmtree(self.directory / STASH, ignore_errors=True)
        self._stash = None

    def discard(self) -> bool:
        """Undo this run: remove what it wrote and put the previous run back; returns whether there was one.
        A resumed run's files are the interrupted run's (extended): nothing of them is removed."""
        if self.resume:
            return False
        for name in dict.fromkeys([*self._files, *_RUN_FILES]):
            self._remove(self.directory / name)
        restored = self._stash is not None
        if self._stash is not None:
            for item in sorted(self._stash.rglob("*"), key=lambda p: len(p.parts)):
                target = self.directory / item.relative_to(self._stash)
                if item.is_dir():
                    target.mkdir(exist_ok=True)
                else:
                    os.replace(item, target)
            shutil.rmtree(self._stash, ignore_errors=True)
            self._stash = None
        self._remove_created_folders()
        return restored

    @property
    def has_previous(self) -> bool:
        return self._stash is not None

    def _remove_created_folders(self) -> None:
        for folder in reversed(self._created):
            try:
                folder.rmdir()  # only if empty: never anything the user put there meanwhile
            except OSError:
                continue  # not empty, or a spelling such as x/.. that names no folder of its own
        self._created = []

    def clear_checkpoints(self) -> None:
        self._remove(self.directory / "checkpoints")

    # -- files ---------------------------------------------------------------------------------------
    def path(self, name: str) -> Path:
        """The path of an output file, recorded in run.json's file list."""
        if name not in self._files:
            self._files.append(name)
        return self.directory / name

    def checkpoint_path(self, key: str) -> Path:
        folder = self.directory / "checkpoints"
        folder.mkdir(exist_ok=True)
        return folder / f"{key}.pt"

    def metrics_log(self, columns: Sequence[str], keys: Sequence[str], name: str = "metrics.csv") -> CsvLog:
        """Streamed per-epoch rows identified by their `keys` columns; with --resume the rows already written
        are kept, and a row with the keys of a kept one is not written again."""
        return CsvLog(self.path(name), columns, keys=keys, append=self.resume)

    def write_csv(self, name: str, rows: Sequence[Mapping[str, Any]], columns: Sequence[str] | None = None) -> None:
        write_csv(self.path(name), rows, columns)

    def read_csv(self, name: str) -> list[dict[str, str]]:
        return read_csv(self.directory / name)

    def save_figure(self, figure: Any, name: str) -> None:
        """Save a matplotlib figure as PNG atomically, then free it."""
        import matplotlib.pyplot as plt

        buffer = io.BytesIO()
        figure.savefig(buffer, format="png", dpi=120, bbox_inches="tight")
        plt.close(figure)
        atomic_write_bytes(self.path(name), buffer.getvalue())

    # -- run.json ------------------------------------------------------------------------------------
    def start(self, config: Any, device: str, extra: Mapping[str, Any] | None = None) -> None:
        """Write run.json before training, so the resolved config is on disk even if the run dies."""
        previous = self.previous if self.resume else None
        self._files = list(previous.get("files", [])) if previous else []
        self._record = {
            "command": self.command,
            "status": "running",
            "config": _jsonable(config),
            "device": device,
            "argv": sys.argv,
            "versions": versions(),
            "started_at": previous.get("started_at", _now()) if previous else _now(),
            "resumed_at": _now() if previous else None,
            "finished_at": None,
            "duration_seconds": None,
            **_jsonable(dict(extra or {})),
        }
        self._started = time.perf_counter()
        self._write_record()

    def note(self, **values: Any) -> None:
        """Add key results to run.json (e.g. explained variance, which models diverged)."""
        self._record.update(_jsonable(values))
        self._write_record()

    def finish(self, status: str) -> None:
        self._record.update(status=status, finished_at=_now(), duration_seconds=round(time.perf_counter() - self._started, 3))
        self._write_record()

    def _write_record(self) -> None:
        self._record["files"] = list(self._files)
        atomic_write_text(self.directory / RUN_FILE, json.dumps(self._record, indent=2) + "\n")
