"""`hw1 params`: HW1-3 Parameters vs generalization. This folder is the whole experiment: config.py (fields, checks, quick preset),
options.py (its command-line options and --help), run.py (training), plots.py, claims.py, and this record."""

from __future__ import annotations

from hw1cli.experiment_record import Experiment, KeyNumbers
from hw1cli.experiments.params import claims
from hw1cli.experiments.params.config import QUICK, ParamsConfig
from hw1cli.headlines import Rows, short


def headline(rows: Rows) -> str:
    first, last = rows[0], rows[-1]
    return (f"test−train loss gap: width {first['width']} {short(first['loss_gap'])}, "
            f"width {last['width']} {short(last['loss_gap'])}")


EXPERIMENT = Experiment(
    "params", "HW1-3 Parameters vs generalization",
    "Train and test loss and accuracy across model sizes.",
    config=ParamsConfig, quick=QUICK, options="hw1cli.experiments.params.options:options",
    run="hw1cli.experiments.params.run:run", data=True, headline=headline, claims=claims.evaluate,
    key_numbers=KeyNumbers(("test_loss", "test_acc", "loss_gap"), ("width",)),
)
