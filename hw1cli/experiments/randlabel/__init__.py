"""`hw1 randlabel`: HW1-3 Fitting random labels. This folder is the whole experiment: config.py (fields, checks, quick preset),
options.py (its command-line options and --help), run.py (training), plots.py, claims.py, and this record."""

from __future__ import annotations

from hw1cli.experiment_record import Experiment, KeyNumbers
from hw1cli.experiments.randlabel import claims
from hw1cli.experiments.randlabel.config import QUICK, RandlabelConfig
from hw1cli.headlines import Rows, short


def headline(rows: Rows) -> str:
    return f"train acc on random labels {short(rows[0]['train_acc'])}, test acc {short(rows[0]['test_acc'])}"


EXPERIMENT = Experiment(
    "randlabel", "HW1-3 Fitting random labels",
    "Can the network memorise labels drawn at random?",
    config=RandlabelConfig, quick=QUICK, options="hw1cli.experiments.randlabel.options:options",
    run="hw1cli.experiments.randlabel.run:run", data=True, headline=headline, claims=claims.evaluate,
    key_numbers=KeyNumbers(("train_acc", "test_acc", "test_loss"), ("noise",)),
)
