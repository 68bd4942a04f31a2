"""What an experiment's `run(cfg, ctx)` gets besides its config: where to write, where to compute, whom to tell."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import torch

    from hw1cli.output import RunOutput
    from hw1cli.progress import ProgressView


@dataclass
class RunContext:
    out: RunOutput  # the run folder: metrics log, CSVs, figures, run.json
    device: torch.device  # resolved from --device
    view: ProgressView  # progress bars and one-line notes (stderr)

    @property
    def resume(self) -> bool:
        return self.out.resume
