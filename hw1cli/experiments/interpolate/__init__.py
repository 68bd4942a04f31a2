"""`hw1 interpolate`: HW1-3 Flatness: interpolation. This folder is the whole experiment: config.py (fields and their options, checks, quick preset),
run.py (training), plots.py, claims.py, and this record with its --help text (the options come from config.py's fields)."""

from __future__ import annotations

from hw1cli.experiment_record import Experiment, KeyNumbers
from hw1cli.experiments.interpolate import claims
from hw1cli.experiments.interpolate.config import QUICK, InterpolateConfig
from hw1cli.headlines import Rows, short


def headline(rows: Rows) -> str:
    picked = [r for r in rows if float(r["alpha"]) in (0.0, 0.5, 1.0)]
    return "test acc " + ", ".join(f"α={float(r['alpha']):g} {short(r['test_acc'])}" for r in picked)


HELP = (
    "Loss and accuracy along the line between two trained models (HW1-3, flatness part 1).\n"
    "\n"
    "Two models from one initialisation differ in one setting; θ(α) = (1−α)·θ_A + α·θ_B is evaluated for "
    "α from --alpha-min to --alpha-max on the whole train and test sets. summary.csv has one row per α "
    "(α=0 is model A, α=1 is model B, exactly); models.csv the two trained models.\n"
    "\n"
    "Examples:\n"
    "\n"
    "  # batch size 64 vs 1024, MLP 784-256-256-10\n"
    "  hw1 interpolate --data-dir data\n"
    "\n"
    "  hw1 interpolate --vary lr --data-dir data -o outputs/interpolate-lr\n"
    "\n"
    "  hw1 interpolate --dataset digits --quick"
)


EXPERIMENT = Experiment(
    "interpolate", "HW1-3 Flatness: interpolation",
    "Loss and accuracy along the line between two trained models.",
    config=InterpolateConfig, quick=QUICK, help=HELP,
    run="hw1cli.experiments.interpolate.run:run", data=True, headline=headline, claims=claims.evaluate,
    key_numbers=KeyNumbers(("train_loss", "test_acc"), ("point",), only_labelled=True),
)
