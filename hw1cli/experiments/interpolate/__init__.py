"""`hw1 interpolate`: HW1-3 Flatness: interpolation. This folder is the whole experiment: config.py (fields, checks, quick preset),
options.py (its command-line options and --help), run.py (training), plots.py, claims.py, and this record."""

from __future__ import annotations

from hw1cli.experiment_record import Experiment, KeyNumbers
from hw1cli.experiments.interpolate import claims
from hw1cli.experiments.interpolate.config import QUICK, InterpolateConfig
from hw1cli.headlines import Rows, short


def headline(rows: Rows) -> str:
    picked = [r for r in rows if float(r["alpha"]) in (0.0, 0.5, 1.0)]
    return "test acc " + ", ".join(f"α={float(r['alpha']):g} {short(r['test_acc'])}" for r in picked)


EXPERIMENT = Experiment(
    "interpolate", "HW1-3 Flatness: interpolation",
    "Loss and accuracy along the line between two trained models.",
    config=InterpolateConfig, quick=QUICK, options="hw1cli.experiments.interpolate.options:options",
    run="hw1cli.experiments.interpolate.run:run", data=True, headline=headline, claims=claims.evaluate,
    key_numbers=KeyNumbers(("train_loss", "test_acc"), ("point",), only_labelled=True),
)
