"""One progress view per run, on stderr, and the run's log.

On a terminal: transient Rich bars (nothing stale stays in the scrollback) that move per batch within an
epoch, say "model k/N" where the experiment told how many models it trains, show the last epoch's loss and
accuracy and an ETA from the task's start (Rich's own estimate goes blank once an epoch takes over 30 s).
Without a terminal (CI, `| cat`, a file): one plain line per epoch - experiment, model, epoch, loss, accuracy,
seconds - never hard-wrapped. Notes, epoch lines and the run's end go to run.log as well (`log`), quiet or not.
"""

from __future__ import annotations

import contextlib
import os
import stat
import time
from pathlib import Path
from types import TracebackType
from typing import Any, TextIO

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, ProgressColumn, TaskID, TextColumn, TimeElapsedColumn
from rich.table import Column
from rich.text import Text

from hw1cli.errors import NotOurFile
from hw1cli.tables import plain

PLAIN_LINES = 100  # without a terminal a task prints at most about this many epoch lines (plus its last)


class EtaColumn(ProgressColumn):
    """Time left from the average pace since the task started (batches count as fractions of an epoch)."""

    def render(self, task: Any) -> Text:
        elapsed, done, total = task.elapsed, task.completed, task.total
        if not elapsed or not done or not total or done >= total:
            return Text("ETA -:--:--", style="progress.remaining")
        left = int(elapsed / done * (total - done))
        return Text(f"ETA {left // 3600}:{left // 60 % 60:02d}:{left % 60:02d}", style="progress.remaining")


class ProgressTask:
    """A handle on one bar (or, without a terminal, on its plain epoch lines)."""

    def __init__(self, view: ProgressView, task_id: TaskID | None, description: str, total: float) -> None:
        self._view = view
        self._id = task_id
        self.description = description
        self.total = total
        self._done = 0.0
        self._last = time.perf_counter()
        self._every = max(1, int(total // PLAIN_LINES)) if total else 1
        self.finished = False
        # A task other tasks start inside (sensitivity's "batch sizes" around each batch size's epochs) counts
        # those, not epochs: its lines say "k/N done".
        self.parent = False

    def batch(self, done: int, batches: int) -> None:
        """`done` of `batches` minibatches of the current epoch are trained (a bar moves; nothing is printed)."""
        if self._id is not None and self._view.progress is not None and batches > 1:
            self._view.progress.update(self._id, completed=self._done + done / batches)

    def advance(self, steps: float = 1, *, stats: Any = None) -> None:
        """`steps` epochs done; `stats` (an EpochStats) gives the last one's loss, accuracy and time."""
        self._done += steps
        now = time.perf_counter()
        seconds = getattr(stats, "epoch_seconds", None) or now - self._last
        self._last = now
        numbers = _numbers(stats)
        if self._id is not None and self._view.progress is not None:
            self._view.progress.update(self._id, completed=self._done, last=numbers)
        epoch = int(self._done)
        # only a run's own view (named) prints epoch lines: hw1 all's and hw1 sweep's bars count runs, not epochs
        if steps and self._view.name and (epoch % self._every == 0 or epoch >= self.total):
            step = f"{epoch}/{int(self.total)} done" if self.parent else f"epoch {epoch}/{int(self.total)}{numbers}"
            self._view.epoch_line(f"{self.description} {step} {seconds:.2f} s")

    def finish(self) -> None:
        self.finished = True
        if self._id is not None and self._view.progress is not None:
            self._view.progress.update(self._id, visible=False)


def _numbers(stats: Any) -> str:
    loss, accuracy = getattr(stats, "running_loss", None), getattr(stats, "running_acc", None)
    text = f" loss {loss:.4g}" if isinstance(loss, float) else ""
    return text + (f" acc {accuracy:.4f}" if isinstance(accuracy, float) else "")


def _columns(width: int) -> list[ProgressColumn]:
    """The bar's columns for a terminal `width` wide. The counts and times keep their width (on 80 columns they
    used to be cut to "2…" and "0:…" and the ETA wrapped onto a line of its own); the description takes what is
    left and ends in "…"; narrower terminals drop the elapsed time, then the bar and the last epoch's numbers."""
    fixed = lambda: Column(no_wrap=True)  # noqa: E731 - each column needs its own
    description = TextColumn("[bold]{task.description}",
                             table_column=Column(ratio=1, no_wrap=True, overflow="ellipsis", min_width=8))
    count, eta = MofNCompleteColumn(table_column=fixed()), EtaColumn(table_column=fixed())
    last = TextColumn("{task.fields[last]}", table_column=fixed())
    if width >= 120:
        return [description, BarColumn(bar_width=24, table_column=fixed()), count, last,
                TimeElapsedColumn(table_column=fixed()), eta]
    if width >= 80:
        return [description, BarColumn(bar_width=10, table_column=fixed()), count, last, eta]
    return [description, count, eta]


class ProgressView:
    """Progress bars plus one-line notes (`say`) for humans, both on stderr, and the run's log.

    Rich allows one live display at a time: a view opened while another is live (an experiment inside
    `hw1 all`) adds its bars to that one, so the suite shows a single progress view.
    """

    _live: ProgressView | None = None

    def __init__(self, quiet: bool = False, *, name: str = "", log: TextIO | None = None) -> None:
        # soft_wrap: a line longer than the terminal (or a CI log's 80 columns) is never broken by hw1
        self.console = Console(stderr=True, soft_wrap=True, highlight=False)
        self.quiet = quiet
        self.name = name
        self.log = log
        self._models = 0
        self._expected = 0
        self._tasks: list[ProgressTask] = []
        enabled = not quiet and self.console.is_terminal
        self.progress: Progress | None = (
            Progress(*_columns(self.console.width), console=self.console, transient=True, expand=True)
            if enabled
            else None
        )

    def __enter__(self) -> ProgressView:
        live = ProgressView._live
        if live is not None and self.progress is not None:
            self.progress, self.console = live.progress, live.console
        elif self.progress is not None:
            self.progress.start()
            ProgressView._live = self
        return self

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, trace: TracebackType | None
    ) -> None:
        if ProgressView._live is self and self.progress is not None:  # the view that started the display
            self.progress.stop()
            ProgressView._live = None

    def expect(self, models: int) -> None:
        """The run trains `models` models one after another: their bars say "model k/N"."""
        self._expected = models

    def task(self, description: str, total: float) -> ProgressTask:
        if self._expected:
            self._models += 1
            description = f"model {self._models}/{self._expected}: {description}"
        for task in self._tasks:
            task.parent = task.parent or (not task.finished and task._done < task.total)
        task_id = self.progress.add_task(plain(description), total=total, last="") if self.progress is not None else None
        self._tasks.append(ProgressTask(self, task_id, plain(description), total))
        return self._tasks[-1]

    def say(self, message: str) -> None:
        """An informative line (model sizes, which run is starting); hidden with --quiet, always in run.log.
        Without a terminal it names the experiment, since `hw1 all` prints many experiments' notes."""
        self.write_log(message)
        if not self.quiet:
            prefix = f"{self.name}: " if self.name and not self.console.is_terminal else ""
            self.console.print(Text(prefix + plain(message)))

    def epoch_line(self, line: str) -> None:
        """One epoch's line: printed only without a terminal (a bar shows it there), logged always."""
        text = f"{self.name} {line}" if self.name else line
        self.write_log(text)
        if not self.quiet and self.progress is None and not self.console.is_terminal:
            self.console.print(Text(plain(text)))

    def write_log(self, line: str) -> None:
        log_line(self.log, line)


RUN_LOG = "run.log"


def open_log(path: Path, *, append: bool) -> TextIO | None:
    """The run's log file (a resumed run appends); None if it cannot be opened: a log never stops a run. But a
    link or a FIFO planted as run.log is refused (Hw1Error), never written through (O_NOFOLLOW, O_NONBLOCK)."""
    if path.is_symlink():
        raise NotOurFile(path)
    if os.path.lexists(path) and not path.is_file():
        raise NotOurFile(path, "not a plain file")
    flags = os.O_WRONLY | os.O_CREAT | (os.O_APPEND if append else os.O_TRUNC)
    try:
        fd = os.open(path, flags | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0), 0o666)
    except OSError:
        return None
    if not stat.S_ISREG(os.fstat(fd).st_mode):  # swapped in since the check
        os.close(fd)
        raise NotOurFile(path, "not a plain file")
    handle = open(fd, "a" if append else "w", encoding="utf-8")  # noqa: SIM115 - closed by close_log
    if append:
        log_line(handle, "--- resumed ---")
    return handle


def log_line(handle: TextIO | None, line: str) -> None:
    """One time-stamped plain line in the log (control characters removed)."""
    if handle is None:
        return
    try:
        handle.write(f"{time.strftime('%H:%M:%S')} {plain(line)}\n")
        handle.flush()
    except (OSError, ValueError):
        pass


def close_log(handle: TextIO | None) -> None:
    if handle is not None:
        with contextlib.suppress(OSError):
            handle.close()
