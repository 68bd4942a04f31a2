"""`hw1 sensitivity`: HW1-3 Flatness: sensitivity and sharpness. This folder is the whole experiment: config.py (fields, checks, quick preset),
options.py (its command-line options and --help), run.py (training), plots.py, claims.py, and this record."""

from __future__ import annotations

from hw1cli.experiment_record import Experiment, KeyNumbers
from hw1cli.experiments.sensitivity import claims
from hw1cli.experiments.sensitivity.config import QUICK, SensitivityConfig
from hw1cli.headlines import Rows, short


def headline(rows: Rows) -> str:
    return "sensitivity " + ", ".join(f"bs {r['batch_size']}: {short(r['sensitivity'])}" for r in rows)


EXPERIMENT = Experiment(
    "sensitivity", "HW1-3 Flatness: sensitivity and sharpness",
    "Input sensitivity and Keskar sharpness vs batch size.",
    config=SensitivityConfig, quick=QUICK, options="hw1cli.experiments.sensitivity.options:options",
    run="hw1cli.experiments.sensitivity.run:run", data=True, headline=headline, claims=claims.evaluate,
    key_numbers=KeyNumbers(("test_acc", "sensitivity", "sharpness_percent"), ("batch_size",)),
)
