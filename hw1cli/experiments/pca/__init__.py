"""`hw1 pca`: HW1-2 Optimization trajectory (PCA). This folder is the whole experiment: config.py (fields, checks, quick preset),
options.py (its command-line options and --help), run.py (training), plots.py, claims.py, and this record."""

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


EXPERIMENT = Experiment(
    "pca", "HW1-2 Optimization trajectory (PCA)",
    "{runs} weights, projected on two principal components.",
    config=PcaConfig, quick=QUICK, options="hw1cli.experiments.pca.options:options",
    run="hw1cli.experiments.pca.run:run", data=True, headline=headline, claims=claims.evaluate,
    key_numbers=KeyNumbers(("train_loss", "test_acc")),
)
