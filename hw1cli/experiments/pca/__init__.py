"""`hw1 pca`: HW1-2 Optimization trajectory (PCA). This folder is the whole experiment: config.py (fields and their options, checks, quick preset),
run.py (training), plots.py, claims.py, and this record with its --help text (the options come from config.py's fields)."""

from __future__ import annotations

from hw1cli.experiment_record import Experiment, KeyNumbers
from hw1cli.experiments.pca import claims
from hw1cli.experiments.pca.config import QUICK, PcaConfig
from hw1cli.headlines import Rows


def headline(rows: Rows) -> str:
    first = rows[0]
    whole = float(first["whole_pc1_explained"]) + float(first["whole_pc2_explained"])
    layer1 = float(first["layer1_pc1_explained"]) + float(first["layer1_pc2_explained"])
    return f"PC1+PC2 explain {100 * whole:.1f}% (whole), {100 * layer1:.1f}% (layer 1)"


HELP = (
    "Train several runs and show their paths in weight space through one PCA (HW1-2).\n"
    "\n"
    "Writes coordinates.csv (PC1, PC2, loss, accuracy per snapshot), summary.csv and pca_*.png.\n"
    "\n"
    "Examples:\n"
    "\n"
    "  # 8 runs of 784-10-20-10, Adam, 45 epochs\n"
    "  hw1 pca --data-dir data\n"
    "\n"
    "  hw1 pca --dataset digits --runs 4 --every 5 -o outputs/pca-digits"
)


EXPERIMENT = Experiment(
    "pca", "HW1-2 Optimization trajectory (PCA)",
    "{runs} weights, projected on two principal components.",
    config=PcaConfig, quick=QUICK, help=HELP,
    run="hw1cli.experiments.pca.run:run", data=True, headline=headline, claims=claims.evaluate,
    key_numbers=KeyNumbers(("train_loss", "test_acc")),
)
