"""`hw1 params`: HW1-3 Parameters vs generalization. This folder is the whole experiment: config.py (fields and their options, checks, quick preset),
run.py (training), plots.py, claims.py, and this record with its --help text (the options come from config.py's fields)."""

from __future__ import annotations

import math

from hw1cli.experiment_record import Experiment, KeyNumbers
from hw1cli.experiments.params import claims
from hw1cli.experiments.params.config import QUICK, ParamsConfig
from hw1cli.headlines import Rows, by_label, seeds_note


def headline(rows: Rows) -> str:
    gaps = by_label(rows, "width", "loss_gap")
    first, last = min(gaps, key=_width), max(gaps, key=_width)
    return f"test−train loss gap: width {first} {gaps[first]}, width {last} {gaps[last]}{seeds_note(rows)}"


def _width(text: str) -> float:
    try:
        return float(text)
    except ValueError:
        return math.inf


HELP = (
    "Train MLPs input→h→h→classes of growing width h; compare final train/test loss and accuracy "
    "(HW1-3).\n"
    "\n"
    "Every width gets the same optimizer, epochs and seeds; figures put the parameter count on a log "
    "axis.\n"
    "\n"
    "Examples:\n"
    "\n"
    "  # 10 widths from 4 to 1024, 20 epochs\n"
    "  hw1 params --data-dir data\n"
    "\n"
    "  hw1 params --widths 8,32,128,512 --seeds 3 -o outputs/params3\n"
    "\n"
    "  hw1 params --dataset digits --quick"
)


EXPERIMENT = Experiment(
    "params", "HW1-3 Parameters vs generalization",
    "Train and test loss and accuracy across model sizes.",
    config=ParamsConfig, quick=QUICK, help=HELP,
    run="hw1cli.experiments.params.run:run", data=True, headline=headline, claims=claims.evaluate,
    key_numbers=KeyNumbers(("test_loss", "test_acc", "loss_gap"), ("width",)),
)
