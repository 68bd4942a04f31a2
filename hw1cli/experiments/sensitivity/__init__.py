"""`hw1 sensitivity`: HW1-3 Flatness: sensitivity and sharpness. This folder is the whole experiment: config.py (fields and their options, checks, quick preset),
run.py (training), plots.py, claims.py, and this record with its --help text (the options come from config.py's fields)."""

from __future__ import annotations

from hw1cli.experiment_record import Experiment, KeyNumbers
from hw1cli.experiments.sensitivity import claims
from hw1cli.experiments.sensitivity.config import QUICK, SensitivityConfig
from hw1cli.headlines import Rows, short


def headline(rows: Rows) -> str:
    return "sensitivity " + ", ".join(f"bs {r['batch_size']}: {short(r['sensitivity'])}" for r in rows)


HELP = (
    "Sensitivity and sharpness against batch size (HW1-3, flatness part 2).\n"
    "\n"
    "One model per batch size from one initialisation, by default each trained to the same training loss "
    "(--budget loss; Keskar compared minimisers); measures train/test loss and accuracy, sensitivity "
    "(mean Frobenius norm of the softmax's Jacobian w.r.t. the standardised input, on the test set) and "
    "sharpness (Keskar et al. 2017, ×100 as in their tables: the largest training-loss rise in the box "
    "|δ_i| <= ε(|θ_i|+1), in percent of 1 + L).\n"
    "\n"
    "Examples:\n"
    "\n"
    "  # batch sizes 16, 64, 256, 1024 and 4096\n"
    "  hw1 sensitivity --data-dir data\n"
    "\n"
    "  hw1 sensitivity --batch-sizes 32,512 --budget epochs --epochs 10 -o outputs/sens\n"
    "\n"
    "  hw1 sensitivity --dataset digits --quick\n"
    "\n"
    "  # Keskar et al.'s sizes: batch 256 vs 10% of the training set (800 of 8,000)\n"
    "  hw1 sensitivity --keskar --data-dir data"
)


EXPERIMENT = Experiment(
    "sensitivity", "HW1-3 Flatness: sensitivity and sharpness",
    "Input sensitivity and Keskar sharpness vs batch size.",
    config=SensitivityConfig, quick=QUICK, help=HELP,
    run="hw1cli.experiments.sensitivity.run:run", data=True, headline=headline, claims=claims.evaluate,
    key_numbers=KeyNumbers(("test_acc", "sensitivity", "sharpness_percent"), ("batch_size",)),
)
