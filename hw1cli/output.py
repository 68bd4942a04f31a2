"""The run folder: what a run may write where, run.json, and how a rerun sets the previous run aside."""

from __future__ import annotations

import contextlib
import dataclasses
import io
import os
import sys
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any

from hw1cli.errors import Hw1Error, NotOurFile, UsageError
from hw1cli.failures import describe_os_error
from hw1cli.files import (
    CsvLog,
    atomic_write_bytes,
    probe_writable,
    read_csv,
    remove_leftover_temps,
    remove_plain_file,
    write_csv,
)
from hw1cli.history import (
    HISTORY,
    HistoryEntry,
    changed_options,
    computed,
    describe_changes,
    entry_folder,
    history_usable,
)
from hw1cli.locking import FolderLock
from hw1cli.phone_layout import PHONE_DPI, phone_name, relayout_for_phone
from hw1cli.run_record import RUN_FILE, jsonable, listed_files, now, read_run, versions, write_record
from hw1cli.stash import STASH, Stash, safe_entry

__all__ = ["STASH", "RunOutput", "check_folder", "check_resumable"]

CHECKPOINTS = "checkpoints"
# 7-inch figures at 160 dpi are 1120 px: about the report's content width on a desktop, so they show at
# their own size there (no blur from scaling up) and stay sharp when a phone zooms in.
FIGURE_DPI = 160
# What every run may leave besides the files run.json lists (a run killed early has not listed them yet).
RUN_FILES = ("metrics.csv", "summary.csv", CHECKPOINTS, RUN_FILE)
# Files the system leaves that never make a folder "foreign".
_IGNORED_NAMES = {".DS_Store", ".gitkeep"}
# A run in one of these states stood: it is what a rerun sets aside (a killed or failed one is only remains).
_STOOD = ("completed", "diverged", "interrupted")

_suite: dict[str, Any] | None = None  # set by recording_suite: the `hw1 all` a run belongs to, for run.json


@contextlib.contextmanager
def recording_suite(argv: Sequence[str], workers: int) -> Iterator[None]:
    """Runs started inside record, in run.json's "suite", the `hw1 all` command line (`argv`) and how many
    experiments it ran at once, beside their own "argv": in a worker process that is the experiment's command."""
    global _suite
    saved, _suite = _suite, {"argv": [str(word) for word in argv], "workers": workers}
    try:
        yield
    finally:
        _suite = saved


def check_output_name(directory: Path) -> None:
    if str(directory) in ("", "."):
        raise UsageError("-o needs a folder name (hw1 writes its files into a folder of their own)")


def check_folder(directory: Path, command: str, *, force: bool, resume: bool) -> dict[str, Any] | None:
    """Refuse a folder this run must not write into (UsageError); else its earlier run's run.json, if any.
    Reads only: `hw1 all` checks every experiment's folder this way before anything trains."""
    d = Path(directory)
    check_output_name(d)
    if d.exists() and not d.is_dir():
        raise UsageError(f"output path {d} exists and is not a folder")
    if not d.is_dir():
        if resume:
            raise UsageError(f"--resume: {d} holds no earlier run of 'hw1 {command}' to continue")
        return None
    Stash(d).check()
    previous = read_run(d)
    corrupt = previous is None and os.path.lexists(d / RUN_FILE)
    if corrupt and (resume or not force):
        raise UsageError(f"{d / RUN_FILE} is corrupt (not a run record hw1 wrote); "
                         f"{'it cannot be resumed' if resume else 'pass --force to replace that run'}, or choose another -o")
    # checkpoints/ is hw1's only beside hw1's run.json; hidden names other than hw1's stash are the user's
    foreign = [p.name for p in d.iterdir() if p.name not in _IGNORED_NAMES and not p.name.startswith(".")
               and not (p.name == CHECKPOINTS and previous is not None)]
    if previous is not None and previous.get("command") != command and not force:
        raise UsageError(f"{d} holds outputs of 'hw1 {previous.get('command')}'; choose another -o or pass --force")
    if previous is None and foreign and not force:
        raise UsageError(f"{d} already holds files that hw1 did not write ({foreign[0]}, ...); choose another -o or pass --force")
    if resume and previous is None:
        raise UsageError(f"--resume: {d} holds no earlier run of 'hw1 {command}' to continue")
    return previous


def check_resumable(previous: Mapping[str, Any], config: Any) -> None:
    """--resume continues the same run: a changed option would mix two configurations in one folder."""
    old, new = previous.get("config", {}), jsonable(config)
    old = old if isinstance(old, dict) else {}
    # the device may change between sessions; the *_is_limit flags follow --quick, which is compared itself
    changed = sorted(k for k in {*old, *new} if k != "device" and computed(k) and not _same(k, old.get(k), new.get(k))
                     and not (k not in old and _left_at_default(config, k)))
    if changed:
        options = ", ".join(f"--{k.replace('_', '-')}" for k in changed)
        raise UsageError(f"--resume must repeat the interrupted run's options; these differ: {options}")


def _left_at_default(config: Any, key: str) -> bool:
    """Whether `key`, an option newer than the recorded run (its run.json has no such key), is at its default
    here: an interrupted run from before the option existed then resumes (e.g. --eval-every, which changes
    only which epochs metrics.csv evaluates) instead of being refused for an option nobody typed."""
    if not dataclasses.is_dataclass(config):
        return False
    field = next((f for f in dataclasses.fields(config) if f.name == key), None)
    return field is not None and field.default is not dataclasses.MISSING and getattr(config, key) == field.default


def _same(key: str, old: Any, new: Any) -> bool:
    """Equal recorded values; a data_dir recorded relative (before hw1 recorded it absolute) is the folder it
    names from here, as that run read it."""
    if key == "data_dir" and isinstance(old, str) and isinstance(new, str):
        return Path(old).absolute() == Path(new).absolute()
    return old == new


class RunOutput:
    """One experiment's output folder, held (locked) for the run: what it may write, and run.json.

    Safety rules: hw1 removes or overwrites only plain files it wrote, inside the folder, never through a
    link; what was there before (the previous run, or files --force lets it replace) is set aside in
    .previous/ until the new run stands, and put back if it does not.
    """

    def __init__(self, directory: Path, command: str, *, force: bool = False, resume: bool = False) -> None:
        self.directory = Path(directory)
        self.command = command
        self.resume = resume
        self._files: list[str] = []
        self._record: dict[str, Any] = {}
        self._started = time.perf_counter()
        self._created: list[Path] = []  # folders this run made, removed again if it is discarded
        self._stash = Stash(self.directory)
        self._set_aside = False  # whether this run has set anything aside that discard must put back
        self._lock: FolderLock | None = None
        self._logs: dict[str, CsvLog] = {}
        self.previous: dict[str, Any] | None = None  # the folder's earlier run.json (with --resume: the run to continue)
        self.kept_in_history: HistoryEntry | None = None  # the replaced run, when keep() moved it to history/
        # told of every metrics.csv row as it is written (keys, row): the live trackers (--log-to)
        self.row_listener: Callable[[Sequence[str], Mapping[str, Any]], None] | None = None
        try:
            self._prepare(force)
        except (Hw1Error, OSError) as error:
            self._remove_created_folders()
            self.release()
            if isinstance(error, OSError):
                raise Hw1Error(describe_os_error(error) or f"cannot use output folder {self.directory}: {error}") from None
            raise

    # -- folder safety -------------------------------------------------------------------------------
    def _prepare(self, force: bool) -> None:
        d = self.directory
        check_output_name(d)
        if d.exists() and not d.is_dir():
            raise UsageError(f"output path {d} exists and is not a folder")
        try:
            self._created = [p for p in (d, *d.parents) if not p.exists()][::-1]
            d.mkdir(parents=True, exist_ok=True)
            probe_writable(d)
        except OSError as error:
            raise Hw1Error(f"cannot write to output folder {d}: {describe_os_error(error) or error.strerror or error}") from None
        self._lock = FolderLock(d)  # before anything is read: a second process must not act on what we change
        self._stash.check()
        self._stash.recover()  # a set-aside a kill cut short goes back first, so the checks see the real folder
        self.previous = check_folder(d, self.command, force=force, resume=self.resume)
        remove_leftover_temps(d)  # half-written files of a killed run
        if self.previous is not None:
            remove_leftover_temps(d / CHECKPOINTS)
        if not self.resume:
            self._set_previous_aside(self.previous)

    def check_resumable(self, config: Any) -> None:
        if self.resume and self.previous is not None:
            check_resumable(self.previous, config)

    def _set_previous_aside(self, previous: Mapping[str, Any] | None) -> None:
        """A fresh rerun starts clean (stale figures or rows must not survive beside new ones), but the last
        run's files are only set aside in .previous/ until the new run stands, so a failed rerun loses nothing."""
        names = [*listed_files(previous), *RUN_FILES]
        if self._stash.exists and (previous is None or previous.get("status") not in _STOOD):
            # A rerun was killed (or failed): .previous/ still holds the last run that stood, the folder only
            # that rerun's remains. Keep the one set aside; the remains (hw1's, by its run.json) go.
            if previous is not None:
                self._remove_own(names)
            self._set_aside = True
            return
        if any(os.path.lexists(self.directory / name) for name in names):
            self._stash.set_aside(names)
            self._set_aside = True

    def _remove_own(self, names: Sequence[str]) -> None:
        """Remove what hw1 wrote under these names: plain files only (a link or a folder is left alone)."""
        for name in dict.fromkeys(names):
            if name == CHECKPOINTS:
                self.clear_checkpoints()
            elif (entry := safe_entry(self.directory, name)) is not None:
                remove_plain_file(entry)

    def keep(self) -> None:
        """The new run stands (finished, diverged or interrupted for --resume): drop the previous one, and a
        stale .previous/ left by a rerun that was killed outright and has now been resumed. A previous run of
        other options is not dropped but kept in history/ (history.py); `kept_in_history` says where."""
        previous = read_run(self._stash.path) if self._stash.exists else None
        if previous is not None and previous.get("status") in _STOOD and previous.get("command") == self.command:
            changed = changed_options(previous.get("config"), self._record.get("config"))
            target = entry_folder(self.directory, previous) if changed else None
            if target is not None and not history_usable(self.directory):
                # hw1 moves nothing through a link or over the user's file: the run stays set aside, and says so
                print(f"Warning: {self.directory / HISTORY} is not a folder of its own; the previous run "
                      f"({describe_changes(changed)}) stays in {self._stash.path}/ until the next rerun", file=sys.stderr)
                self._set_aside = False
                return
            if target is not None:
                self._stash.keep_as(target)
                self.kept_in_history = HistoryEntry(target, self.command, previous.get("status"),
                                                    previous.get("started_at"), changed)
        self._stash.drop()
        self._set_aside = False

    def discard(self) -> bool:
        """Undo this run: remove what it wrote and put the previous run back; returns whether there was one.
        A resumed run's files are the interrupted run's (extended): nothing of them is removed."""
        if self.resume:
            return False
        for log in self._logs.values():
            with contextlib.suppress(OSError):
                log.close()
        self._remove_own([*self._files, *RUN_FILES])
        restored = self._set_aside
        if self._set_aside:
            self._stash.restore()
            self._set_aside = False
        self._remove_created_folders()
        return restored

    @property
    def has_previous(self) -> bool:
        return self._set_aside

    def _remove_created_folders(self) -> None:
        for folder in reversed(self._created):
            try:
                folder.rmdir()  # only if empty: never anything the user put there meanwhile
            except OSError:
                continue  # not empty, or a spelling such as x/.. that names no folder of its own
        self._created = []

    def clear_checkpoints(self) -> None:
        """Remove hw1's checkpoint files (and half-written ones), then the folder if nothing else is in it."""
        folder = self.directory / CHECKPOINTS
        if folder.is_symlink() or not folder.is_dir():
            return
        remove_leftover_temps(folder)
        for entry in folder.glob("*.pt"):
            remove_plain_file(entry)
        with contextlib.suppress(OSError):  # something else is in there: not ours to remove
            folder.rmdir()

    def release(self) -> None:
        """Free the folder for other hw1 processes (also happens when this one ends)."""
        if self._lock is not None:
            self._lock.release()
            self._lock = None

    def conclude(self, status: str, code: int) -> int:
        """End the run: a usage error or a failed rerun is undone (the previous run put back), anything else
        is recorded in run.json as `status`. Never raises: returns the exit code (1 if the end could not be
        recorded although the run itself succeeded)."""
        try:
            if status == "failed" and not self.resume and (code == 2 or self._set_aside):
                # A usage error leaves nothing behind; a failed rerun puts the last good run back.
                if self.discard() and code != 2:  # a usage error stays one line: nothing changing is expected
                    print(f"The previous run's outputs in {self.directory} are unchanged.", file=sys.stderr)
            else:
                self.finish(status)
                if status != "failed":  # a failed --resume keeps any finished run still set aside in .previous/
                    self.keep()
        except OSError as error:
            if code == 0:  # a run that failed already said why; one line is enough
                print(f"Error: cannot record the end of the run in {self.directory}: {describe_os_error(error) or error}",
                      file=sys.stderr)
                code = 1
        finally:
            self.release()
        return code

    # -- files ---------------------------------------------------------------------------------------
    def path(self, name: str) -> Path:
        """The path of an output file, recorded in run.json's file list. A fresh run that finds the name
        taken (a file --force lets it replace) sets that file aside first, to be put back if the run fails."""
        if name not in self._files:
            self._files.append(name)
            if not self.resume and os.path.lexists(self.directory / name):
                self._stash.add(name)
                self._set_aside = True
        return self.directory / name

    def checkpoint_path(self, key: str) -> Path:
        folder = self.directory / CHECKPOINTS
        if folder.is_symlink():
            raise NotOurFile(folder)
        folder.mkdir(exist_ok=True)
        return folder / f"{key}.pt"

    def metrics_log(self, columns: Sequence[str], keys: Sequence[str], name: str = "metrics.csv") -> CsvLog:
        """Streamed per-epoch rows identified by their `keys` columns; with --resume the rows already written
        are kept (a row with the keys of a kept one is not written again), and a log that lost rows
        while checkpoints hold trained epochs (fewer rows than run.json recorded, or none) is refused: the
        checkpoints would skip those epochs, leaving a gap."""
        listener = self.row_listener if name == "metrics.csv" else None
        log = CsvLog(self.path(name), columns, keys=keys, append=self.resume, on_row=listener)
        if self.resume:
            recorded = (self.previous or {}).get("rows", {})
            expected = recorded.get(name, 0) if isinstance(recorded, dict) else 0
            trained = any((self.directory / CHECKPOINTS).glob("*.pt"))
            if trained and (log.rows < expected or log.rows == 0):  # without checkpoints, everything trains again
                log.close()
                had = f"the interrupted run had logged {expected}" if expected else "checkpoints hold trained epochs"
                raise Hw1Error(f"{self.directory / name} holds {log.rows} rows but {had}; those rows cannot be "
                               "recovered: rerun without --resume")
        self._logs[name] = log
        if self._record:  # the key columns, so a tracker export knows each row's model, seed and step
            self._record.setdefault("log_keys", {})[name] = list(keys)
        return log

    def write_csv(self, name: str, rows: Sequence[Mapping[str, Any]], columns: Sequence[str] | None = None) -> None:
        write_csv(self.path(name), rows, columns)

    def read_csv(self, name: str) -> list[dict[str, str]]:
        return read_csv(self.directory / name)

    figure_formats: tuple[str, ...] = ("png",)  # --figure-format; set by the runner

    def save_figure(self, figure: Any, name: str) -> None:
        """Save a matplotlib figure as `name` (a PNG) and in each other --figure-format beside it (same stem),
        atomically, then free it. The PNG's resolution suits the report's full-width figures; NAME.phone.png beside
        it is the same figure laid out for a phone, which the report shows on narrow screens."""
        import matplotlib.pyplot as plt

        try:
            for fmt in dict.fromkeys(["png", *self.figure_formats]):
                target = name if fmt == "png" else f"{Path(name).stem}.{fmt}"
                buffer = io.BytesIO()
                figure.savefig(buffer, format=fmt, dpi=FIGURE_DPI, bbox_inches="tight")
                atomic_write_bytes(self.path(target), buffer.getvalue())
            relayout_for_phone(figure)  # the report's copy for narrow screens (phone_layout.py says why)
            buffer = io.BytesIO()
            figure.savefig(buffer, format="png", dpi=PHONE_DPI, bbox_inches="tight")
            atomic_write_bytes(self.path(phone_name(name)), buffer.getvalue())
        finally:
            plt.close(figure)

    # -- run.json ------------------------------------------------------------------------------------
    def start(self, config: Any, device: str, extra: Mapping[str, Any] | None = None) -> None:
        """Write run.json before training, so the resolved config is on disk even if the run dies."""
        previous = self.previous if self.resume else None
        self._files = listed_files(previous) if previous else [n for n in self._files if n != RUN_FILE]
        rows = previous.get("rows") if previous else None
        self._record = {
            "command": self.command,
            "status": "running",
            "config": jsonable(config),
            "device": device,
            "argv": sys.argv,
            **({"suite": _suite} if _suite else {}),
            "versions": versions(),
            "started_at": previous.get("started_at", now()) if previous else now(),
            "resumed_at": now() if previous else None,
            "finished_at": None,
            "duration_seconds": None,
            "rows": rows if isinstance(rows, dict) else {},
            **jsonable(dict(extra or {})),
        }
        self._started = time.perf_counter()
        self._write_record()

    def note(self, **values: Any) -> None:
        """Add key results to run.json (e.g. explained variance, which models diverged)."""
        self._record.update(jsonable(values))
        self._write_record()

    def finish(self, status: str) -> None:
        for log in self._logs.values():
            with contextlib.suppress(OSError):  # a row that a full disk refused is not on disk; the rest are
                log.close()
        self._record.update(status=status, finished_at=now(), duration_seconds=round(time.perf_counter() - self._started, 3))
        self._write_record()

    def _write_record(self) -> None:
        if not self._record:
            return  # the run ended before start(): there is nothing to record
        self._record["files"] = list(self._files)
        self._record["rows"] = {**self._record.get("rows", {}), **{name: log.rows for name, log in self._logs.items()}}
        write_record(self.directory / RUN_FILE, self._record)
