"""One run's trackers, fed from a background thread: the run only puts rows on a queue.

A tracker that fails (store not writable, server down, a bug) is switched off after one warning line and the
run goes on; at the end the run waits a bounded time for what is still queued. The CSVs are the record.
"""

from __future__ import annotations

import queue
import sys
import threading
from collections.abc import Collection, Mapping, Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any

from hw1cli.files import refuse_links
from hw1cli.tracking.folder import Identity, read_folder, split_row
from hw1cli.tracking.specs import TrackerSpec

CLOSE_TIMEOUT_SECONDS = 60.0
_STOP = object()


def make_sink(spec: TrackerSpec, *, command: str, folder: Path, started_at: str, store_root: Path,
              skip_existing: bool = False, place: str = "", **mlflow_options: Any) -> Any:
    """The tracker of `spec` for one run (imports its library only now). TensorBoard: the run folder's own tb/,
    or DIR/<place> for tensorboard:DIR (the run folder's name; a sweep point's is sweep/point), the same place
    live and exported, whichever folder an export was given."""
    if spec.kind == "tensorboard":
        from hw1cli.tracking.tensorboard_sink import TensorBoardSink

        root = Path(spec.target) / (place or folder.name) if spec.target else folder / "tb"
        if not spec.target:  # the run folder's own tb/: never a link someone planted there
            refuse_links(folder, root)
        return TensorBoardSink(root, command, started_at, skip_existing=skip_existing)
    from hw1cli.tracking.mlflow_sink import MlflowSink

    return MlflowSink(spec.target, store_root, folder, command, started_at, skip_existing=skip_existing, **mlflow_options)


def warn(sink_name: str, error: BaseException) -> None:
    text = " ".join(str(error).split())[:300]
    print(f"Warning: logging to {sink_name} stopped ({type(error).__name__}: {text}); the run goes on and its "
          "CSVs hold every number", file=sys.stderr)


class Tracking:
    """Live logging of one run: `row` for each metrics row as the CSV log writes it, `close` at the end."""

    def __init__(self, specs: Sequence[TrackerSpec], *, command: str, folder: Path, started_at: str,
                 config: Mapping[str, Any], store_root: Path, ignored: Collection[str] = ()) -> None:
        """`ignored`: the config fields the run's mode ignored (registry.unused_fields, which this layer cannot
        import), left out of TensorBoard's hyper-parameters as `hw1 export` leaves them out."""
        self.folder = folder
        self.started_at = started_at
        self.ignored = frozenset(ignored)
        self._sinks: list[Any] = []
        for spec in specs:
            try:
                self._sinks.append(make_sink(spec, command=command, folder=folder, started_at=started_at,
                                             store_root=store_root))
            except Exception as error:  # a tracker that cannot even be set up is one warning, not a failure
                warn(spec.kind, error)
        self._queue: queue.Queue[Any] = queue.Queue()
        self._thread = threading.Thread(target=self._work, name="hw1-tracking", daemon=True)
        self._queue.put(("open", dict(config)))
        self._thread.start()

    def row(self, keys: Sequence[str], row: Mapping[str, Any]) -> None:
        """One metrics row, identified by its log's key columns (the last one is the step)."""
        identity, step, values = split_row(row, list(keys[:-1]), keys[-1])
        self._queue.put(("rows", identity, [(step, values)]))

    def close(self, status: str, timeout: float = CLOSE_TIMEOUT_SECONDS) -> None:
        """Artifacts (figures, tables), verdicts and the final state; waits at most `timeout` seconds."""
        self._queue.put(("close", status))
        self._queue.put(_STOP)
        self._thread.join(timeout)
        if self._thread.is_alive():
            print(f"Warning: the trackers were still writing after {timeout:.0f} s; stopped waiting (the CSVs hold "
                  "every number)", file=sys.stderr)

    # -- the background thread -------------------------------------------------------------------------
    def _work(self) -> None:
        while True:
            item = self._queue.get()
            if item is _STOP:
                return
            if item[0] == "rows":  # take every row already queued too: fewer, larger batches
                pending: dict[Identity, list[tuple[int, dict[str, float]]]] = {item[1]: list(item[2])}
                while True:
                    try:
                        nxt = self._queue.get_nowait()
                    except queue.Empty:
                        break
                    if nxt is _STOP or nxt[0] != "rows":
                        self._flush(pending)
                        pending = {}
                        if nxt is _STOP:
                            return
                        self._handle(nxt)
                        break
                    pending.setdefault(nxt[1], []).extend(nxt[2])
                self._flush(pending)
            else:
                self._handle(item)

    def _flush(self, pending: Mapping[Identity, list[tuple[int, dict[str, float]]]]) -> None:
        for identity, points in pending.items():
            self._each(lambda sink, i=identity, p=points: sink.rows(i, p))

    def _handle(self, item: tuple[Any, ...]) -> None:
        if item[0] == "open":
            self._each(lambda sink: sink.open(item[1]))
        elif item[0] == "close":
            run = read_folder(self.folder) if item[1] in ("completed", "diverged", "interrupted") else None
            if run is not None and run.started_at != self.started_at:
                run = None  # the folder holds another run again (a failed rerun puts the previous one back)
            if run is not None:
                run = replace(run, ignored=self.ignored)
            self._each(lambda sink: sink.close(run, item[1]))

    def _each(self, call: Any) -> None:
        for sink in list(self._sinks):
            try:
                call(sink)
            except Exception as error:
                warn(sink.name, error)
                self._sinks.remove(sink)
