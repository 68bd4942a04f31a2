"""`hw1 mnist`: HW1-1 Deep vs shallow: MNIST. This folder is the whole experiment: config.py (fields, checks, quick preset),
options.py (its command-line options and --help), run.py (training), plots.py, claims.py, and this record."""

from __future__ import annotations

from hw1cli.experiment_record import Experiment, KeyNumbers
from hw1cli.experiments.mnist import claims
from hw1cli.experiments.mnist.config import QUICK, MnistConfig
from hw1cli.headlines import Rows, short


def headline(rows: Rows) -> str:
    return "test acc " + ", ".join(f"{r['model']} {short(r['test_acc'])}" for r in rows)


EXPERIMENT = Experiment(
    "mnist", "HW1-1 Deep vs shallow: MNIST",
    "CNNs of different depth trained on a real task: {models}.",
    config=MnistConfig, quick=QUICK, options="hw1cli.experiments.mnist.options:options",
    run="hw1cli.experiments.mnist.run:run", data=True, headline=headline, claims=claims.evaluate,
    key_numbers=KeyNumbers(("test_acc", "test_loss", "train_loss"), ("model",)),
)
