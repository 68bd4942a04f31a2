"""`hw1 randlabel`: HW1-3 Fitting random labels. This folder is the whole experiment: config.py (fields and their options, checks, quick preset),
run.py (training), plots.py, claims.py, and this record with its --help text (the options come from config.py's fields)."""

from __future__ import annotations

from hw1cli.experiment_record import Experiment, KeyNumbers
from hw1cli.experiments.randlabel import claims
from hw1cli.experiments.randlabel.config import QUICK, RandlabelConfig
from hw1cli.headlines import Rows, short


def headline(rows: Rows) -> str:
    return f"train acc on random labels {short(rows[0]['train_acc'])}, test acc {short(rows[0]['test_acc'])}"


HELP = (
    "Train an MLP on randomly relabelled training data: it memorises them, test stays at chance (HW1-3).\n"
    "\n"
    "Labels are drawn once from --seed (same seed, same labels); train numbers use them, test the true "
    "ones.\n"
    "\n"
    "Examples:\n"
    "\n"
    "  # 784-512-512-10, all labels random, 100 epochs\n"
    "  hw1 randlabel --data-dir data\n"
    "\n"
    "  hw1 randlabel --noise 0.3 --epochs 50 -o outputs/noise30\n"
    "\n"
    "  hw1 randlabel --dataset digits --quick"
)


EXPERIMENT = Experiment(
    "randlabel", "HW1-3 Fitting random labels",
    "Can the network memorise labels drawn at random?",
    config=RandlabelConfig, quick=QUICK, help=HELP,
    run="hw1cli.experiments.randlabel.run:run", data=True, headline=headline, claims=claims.evaluate,
    key_numbers=KeyNumbers(("train_acc", "test_acc", "test_loss"), ("noise",)),
)
