"""One Rich progress view per run, on stderr; silent when --quiet or when stderr is not a terminal."""

from __future__ import annotations

from types import TracebackType

from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TaskID,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)


class Task:
    """A handle on one bar; advancing a disabled view costs nothing."""

    def __init__(self, view: ProgressView, task_id: TaskID | None) -> None:
        self._view = view
        self._id = task_id

    def advance(self, steps: float = 1, **fields: str) -> None:
        if self._id is not None and self._view.progress is not None:
            self._view.progress.update(self._id, advance=steps, **fields)

    def finish(self) -> None:
        if self._id is not None and self._view.progress is not None:
            self._view.progress.update(self._id, visible=False)


class ProgressView:
    """Progress bars plus one-line notes (`say`) for humans; both go to stderr.

    Rich allows one live display at a time: a view opened while another is live (an experiment inside
    `hw1 all`) adds its bars to that one, so the suite shows a single progress view.
    """

    _live: ProgressView | None = None

    def __init__(self, quiet: bool = False) -> None:
        self.console = Console(stderr=True)
        self.quiet = quiet
        enabled = not quiet and self.console.is_terminal
        self.progress: Progress | None = (
            Progress(
                TextColumn("[bold]{task.description}"),
                BarColumn(),
                MofNCompleteColumn(),
                TimeElapsedColumn(),
                TimeRemainingColumn(),
                console=self.console,
                transient=True,
            )
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

    def task(self, description: str, total: float) -> Task:
        if self.progress is None:
            return Task(self, None)
        return Task(self, self.progress.add_task(description, total=total))

    def say(self, message: str) -> None:
        """An informative line (model sizes, which run is starting); hidden with --quiet."""
        if not self.quiet:
            self.console.print(message, highlight=False)

