"""`hw1 mnist`: HW1-1 Deep vs shallow: MNIST. This folder is the whole experiment: config.py (fields and their options, checks, quick preset),
run.py (training), plots.py, claims.py, and this record with its --help text (the options come from config.py's fields)."""

from __future__ import annotations

from hw1cli.experiment_record import Experiment, KeyNumbers
from hw1cli.experiments.mnist import claims
from hw1cli.experiments.mnist.config import QUICK, MnistConfig
from hw1cli.headlines import Rows, by_label, seeds_note


def headline(rows: Rows) -> str:
    return "test acc " + ", ".join(f"{model} {value}" for model, value in by_label(rows, "model", "test_acc").items()) \
        + seeds_note(rows)


HELP = (
    "Train CNNs of equal size and different depth on MNIST; per epoch train and test loss and accuracy "
    "(HW1-1).\n"
    "\n"
    "Every model gets the same seed (initialisation and data order); --seeds K trains each with K seeds. "
    "Train and test numbers are measured after each epoch in eval mode; the running train numbers too.\n"
    "\n"
    "Examples:\n"
    "\n"
    "  # shallow, medium and deep: 1, 2 and 4 conv layers, MNIST files in ./data\n"
    "  hw1 mnist --data-dir data\n"
    "\n"
    "  hw1 mnist --model lenet,cnn --epochs 5 -o outputs/lenet_cnn\n"
    "\n"
    "  hw1 mnist --dataset digits --quick\n"
    "\n"
    "  # the claim \"deep beats shallow\" decided over 3 seeds\n"
    "  hw1 mnist --model shallow,deep --seeds 3"
)


EXPERIMENT = Experiment(
    "mnist", "HW1-1 Deep vs shallow: MNIST",
    "CNNs of different depth trained on a real task: {models}.",
    config=MnistConfig, quick=QUICK, help=HELP,
    run="hw1cli.experiments.mnist.run:run", data=True, headline=headline, claims=claims.evaluate,
    key_numbers=KeyNumbers(("test_acc", "test_loss", "train_loss"), ("model",)),
)
