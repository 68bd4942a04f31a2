"""TensorBoard through PyTorch's own `torch.utils.tensorboard`: one event folder per model and seed.

Layout: ROOT/<command>-<start time>/<identity>/ (scalars named as metrics.csv's columns, stepped by its epoch
or iteration), and ROOT/<command>-<start time>/ itself holding the config as hyper-parameters (with the key
numbers, so a sweep's points line up in TensorBoard's HParams table), the verdicts and summary as text,
and the figures as images. `tensorboard --logdir ROOT` shows them.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from hw1cli.files import refuse_links
from hw1cli.tracking.folder import FolderRun, Identity, flat_params, identity_name, read_plain_bytes


def run_folder(root: Path, command: str, started_at: str) -> Path:
    stamp = re.sub(r"[^0-9A-Za-z]", "", started_at)[:15] or "run"
    return root / f"{command}-{stamp}"


def has_events(folder: Path) -> bool:
    return folder.is_dir() and any(p.name.startswith("events.out.tfevents.") for p in folder.iterdir())


class TensorBoardSink:
    """Writes one hw1 run. `skip_existing` (export): series whose folder already has events are left alone."""

    name = "tensorboard"

    def __init__(self, root: Path, command: str, started_at: str, *, skip_existing: bool = False) -> None:
        self.root = Path(root)
        self.base = run_folder(self.root, command, started_at)
        self.skip_existing = skip_existing
        self._writers: dict[Identity, Any] = {}
        self._skipped: set[Identity] = set()

    def _writer(self, folder: Path) -> Any:
        from torch.utils.tensorboard import SummaryWriter

        refuse_links(self.root, folder)  # a link planted below the root would take the events elsewhere
        folder.mkdir(parents=True, exist_ok=True)
        return SummaryWriter(log_dir=str(folder), flush_secs=5)

    @property
    def skipped(self) -> bool:
        """(export) This run is in TensorBoard already: its folder holds events."""
        return self.skip_existing and has_events(self.base)

    def open(self, config: Mapping[str, Any]) -> None:
        """Nothing to do before the first row: folders are made as series appear."""

    def rows(self, identity: Identity, points: list[tuple[int, dict[str, float]]]) -> None:
        if identity in self._skipped:
            return
        writer = self._writers.get(identity)
        if writer is None:
            folder = self.base / identity_name(identity)
            if self.skip_existing and has_events(folder):
                self._skipped.add(identity)
                return
            writer = self._writers[identity] = self._writer(folder)
        for step, values in points:
            for name, value in values.items():
                writer.add_scalar(name, value, global_step=step)

    def close(self, run: FolderRun | None, status: str, key_numbers: Mapping[str, float] | None = None) -> None:
        for writer in self._writers.values():
            writer.close()
        if run is None or self.skipped:
            return
        writer = self._writer(self.base)
        try:
            params = {k: v for k, v in flat_params(run.config).items() if v != ""}
            metrics = {f"final/{k}": float(v) for k, v in (key_numbers or {}).items()} or {"final/status_ok": float(status in ("completed", "diverged"))}
            writer.add_hparams(params, metrics, run_name=".")
            writer.add_text("status", status)
            if run.verdicts:
                writer.add_text("claims", "\n\n".join(f"{claim}: {verdict}" for claim, verdict in run.verdicts))
            for table in run.tables:
                if table.suffix == ".csv":
                    text = (read_plain_bytes(table) or b"").decode("utf-8", errors="replace")[:20000]
                    writer.add_text(table.stem, "```\n" + text + "\n```")
            for figure in run.figures:
                image = _image(figure)
                if image is not None:
                    writer.add_image(f"figures/{figure.stem}", image, dataformats="HWC")
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
