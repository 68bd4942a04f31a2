"""TensorBoard through PyTorch's own `torch.utils.tensorboard`: one event folder per model and seed.

Layout: ROOT/<command>-<start time>/<identity>/ (scalars named as metrics.csv's columns, stepped by its epoch
or iteration), and ROOT/<command>-<start time>/ itself holding the closing data: the config as hyper-parameters
(with the key numbers, so a sweep's points line up in TensorBoard's HParams table), the status, the verdicts
and the tables as text, and the figures as images. `tensorboard --logdir ROOT` shows them.

What was written is recorded beside the events, in ROOT/<command>-<start time>/hw1-tensorboard.json: the run's
start time, the last step written of each series, and the status whose closing data is there. A later log of
the same run (a resumed run, an export after a live log or after an earlier export) writes only the steps after
those, and the closing data only when the status changed: then at the next step (the first closing data is at
step 0, a resumed run's at step 1...), so TensorBoard's Text, Images and HParams views show the final status
last, and a status written once is never written twice. Events that no such record accounts for (written by an
older hw1, or by another run started in the same second) are left as they are.
"""

from __future__ import annotations

import json
import re
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from hw1cli.files import atomic_write_text, refuse_links
from hw1cli.folder_read import Unreadable, entry, first_link, read_text
from hw1cli.tracking.folder import FolderRun, Identity, hparam_values, identity_name, read_plain_bytes

MARKER = "hw1-tensorboard.json"
MAX_MARKER_BYTES = 1024 * 1024  # a few hundred series names and steps; more is not a record hw1 wrote
SAVE_SECONDS = 2.0  # a live run records its steps at most this often (and at the end)
MAX_TABLE_TEXT = 20000


def run_folder(root: Path, command: str, started_at: str) -> Path:
    stamp = re.sub(r"[^0-9A-Za-z]", "", started_at)[:15] or "run"
    return root / f"{command}-{stamp}"


def has_events(folder: Path) -> bool:
    return folder.is_dir() and any(p.name.startswith("events.out.tfevents.") for p in folder.iterdir())


def holds_events(base: Path) -> bool:
    """Events in a run's TensorBoard folder or one of its series folders (not through links)."""
    if base.is_symlink() or not base.is_dir():
        return False
    try:
        return has_events(base) or any(has_events(p) for p in base.iterdir() if p.is_dir() and not p.is_symlink())
    except OSError:
        return False


@dataclass
class Written:
    """What hw1 wrote to one run's TensorBoard folder: its marker, hw1-tensorboard.json."""

    started_at: str
    status: str | None = None  # the status whose closing data is written (None: none yet)
    closings: int = 0  # how many times closing data was written: the next goes at this step
    steps: dict[str, int] = field(default_factory=dict)  # series folder name -> the last step written

    def text(self) -> str:
        return json.dumps({"started_at": self.started_at, "status": self.status, "closings": self.closings,
                           "steps": self.steps}, indent=1, sort_keys=True) + "\n"


def read_written(root: Path, base: Path) -> Written | None:
    """The marker of `base` (below `root`), or None when there is none or it is not one hw1 wrote: read as
    untrusted data (a plain file, never through a link, at most MAX_MARKER_BYTES, every field checked)."""
    try:
        path = entry(root, "/".join((*base.relative_to(root).parts, MARKER)))
        data = json.loads(read_text(path, MAX_MARKER_BYTES))
    except (Unreadable, ValueError, RecursionError):
        return None
    if not isinstance(data, dict) or not isinstance(data.get("started_at"), str):
        return None
    status, closings, steps = data.get("status"), data.get("closings"), data.get("steps")
    if status is not None and not isinstance(status, str):
        return None
    if not _small_int(closings) or closings < 0 or not isinstance(steps, dict):
        return None
    if not all(isinstance(k, str) and _small_int(v) for k, v in steps.items()):
        return None
    return Written(data["started_at"], status, closings, dict(steps))


def _small_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and abs(value) < 2**62


class TensorBoardSink:
    """Writes one hw1 run: what its folder's marker does not hold yet (nothing twice). `skip_existing` (export):
    the marker is brought up to date after every series, not only every few seconds; `wrote` says whether
    anything was added."""

    name = "tensorboard"

    def __init__(self, root: Path, command: str, started_at: str, *, skip_existing: bool = False) -> None:
        self.root = Path(root)
        self.base = run_folder(self.root, command, started_at)
        self.started_at = started_at
        self.skip_existing = skip_existing
        self.wrote = False
        self._writers: dict[Identity, Any] = {}
        self._written: Written | None = None
        self._loaded = False
        self._saved = False  # the marker on disk is this run's (read or written by this sink)
        self._saved_at = 0.0

    def _writer(self, folder: Path) -> Any:
        from torch.utils.tensorboard import SummaryWriter

        refuse_links(self.root, folder)  # a link planted below the root would take the events elsewhere
        folder.mkdir(parents=True, exist_ok=True)
        return SummaryWriter(log_dir=str(folder), flush_secs=5)

    def _state(self) -> Written | None:
        """What is written already (read once); None when the folder holds events of a log hw1 cannot
        account for: those are left alone."""
        if not self._loaded:
            self._loaded = True
            found = read_written(self.root, self.base) if first_link(self.root, self.base.relative_to(self.root).parts) is None else None
            if found is not None and found.started_at == self.started_at:
                self._written, self._saved = found, True
            elif found is None and not holds_events(self.base):
                self._written = Written(self.started_at)
        return self._written

    def _save(self) -> None:
        """Events first (flushed), then the marker that says they are there: a stop between the two writes
        the steps since the last save again, never leaves a step out."""
        if self._written is None:
            return
        for writer in self._writers.values():
            writer.flush()
        path = self.base / MARKER
        refuse_links(self.root, path)
        self.base.mkdir(parents=True, exist_ok=True)
        atomic_write_text(path, self._written.text())
        self._saved, self._saved_at = True, time.monotonic()

    def open(self, config: Mapping[str, Any]) -> None:
        """Nothing to do before the first row: folders are made as series appear."""

    def rows(self, identity: Identity, points: list[tuple[int, dict[str, float]]]) -> None:
        state = self._state()
        if state is None:
            return
        name = identity_name(identity)
        last = state.steps.get(name)
        new = [(step, values) for step, values in points if last is None or step > last]
        if not new:
            return
        if not self._saved:
            self._save()  # the marker before the first events: whatever happens next, they are hw1's
        writer = self._writers.get(identity)
        if writer is None:
            writer = self._writers[identity] = self._writer(self.base / name)
        for step, values in new:
            for column, value in values.items():
                writer.add_scalar(column, value, global_step=step)
        state.steps[name] = max(step for step, _ in new) if last is None else max(last, *(s for s, _ in new))
        self.wrote = True
        if self.skip_existing or time.monotonic() - self._saved_at >= SAVE_SECONDS:
            self._save()

    def close(self, run: FolderRun | None, status: str, key_numbers: Mapping[str, float] | None = None) -> None:
        state = self._state()
        try:
            if state is not None and run is not None and state.status != status:
                if not self._saved:
                    self._save()
                self._close(run, status, key_numbers, step=state.closings)
                state.status, state.closings = status, state.closings + 1
                self.wrote = True
            if state is not None and self.wrote:
                self._save()
        finally:
            for writer in self._writers.values():
                writer.close()
            self._writers.clear()

    def _close(self, run: FolderRun, status: str, key_numbers: Mapping[str, float] | None, step: int) -> None:
        """The closing data, at `step`: hyper-parameters and final numbers, status, verdicts, tables, figures."""
        writer = self._writer(self.base)
        try:
            params = hparam_values(run.config, run.ignored)
            metrics = {f"final/{k}": float(v) for k, v in (key_numbers or {}).items()} or {"final/status_ok": float(status in ("completed", "diverged"))}
            writer.add_hparams(params, metrics, run_name=".", global_step=step)
            writer.add_text("status", status, global_step=step)
            if run.verdicts:
                writer.add_text("verdicts", "\n\n".join(f"{claim}: {verdict}" for claim, verdict in run.verdicts),
                                global_step=step)
            for table in run.tables:
                if table.suffix == ".csv":
                    text = (read_plain_bytes(table) or b"").decode("utf-8", errors="replace")[:MAX_TABLE_TEXT]
                    writer.add_text(f"tables/{table.name}", "```\n" + text + "\n```", global_step=step)
            for figure in run.figures:
                image = _image(figure)
                if image is not None:
                    writer.add_image(f"figures/{figure.stem}", image, global_step=step, dataformats="HWC")
        finally:
            writer.close()


def _image(path: Path) -> Any:
    """A PNG as an HWC array (matplotlib reads PNG without Pillow)."""
    import io

    import matplotlib.image

    data = read_plain_bytes(path)
    if data is None:
        return None
    try:
        return matplotlib.image.imread(io.BytesIO(data), format="png")
    except (ValueError, OSError, SyntaxError):
        return None
