"""`hw1 gradnorm`: HW1-2 Gradient norm during training. This folder is the whole experiment: config.py (fields, checks, quick preset),
options.py (its command-line options and --help), run.py (training), plots.py, claims.py, and this record."""

from __future__ import annotations

from hw1cli.experiment_record import Experiment, KeyNumbers
from hw1cli.experiments.gradnorm import claims
from hw1cli.experiments.gradnorm.config import QUICK, GradnormConfig
from hw1cli.headlines import Rows, short


def headline(rows: Rows) -> str:
    return f"final loss {short(rows[0]['final_loss'])}, final ‖∇L‖ {short(rows[0]['final_grad_norm'])}"


EXPERIMENT = Experiment(
    "gradnorm", "HW1-2 Gradient norm during training",
    "Global L2 norm of each step's gradient ({gradient}) and the loss, per iteration.",
    config=GradnormConfig, quick=QUICK, options="hw1cli.experiments.gradnorm.options:options",
    run="hw1cli.experiments.gradnorm.run:run", data=True, headline=headline, claims=claims.evaluate,
    key_numbers=KeyNumbers(("final_loss", "final_grad_norm")),
)
