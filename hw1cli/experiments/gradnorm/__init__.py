"""`hw1 gradnorm`: HW1-2 Gradient norm during training. This folder is the whole experiment: config.py (fields and their options, checks, quick preset),
run.py (training), plots.py, claims.py, and this record with its --help text (the options come from config.py's fields)."""

from __future__ import annotations

from hw1cli.experiment_record import Experiment, KeyNumbers
from hw1cli.experiments.gradnorm import claims
from hw1cli.experiments.gradnorm.config import QUICK, GradnormConfig
from hw1cli.headlines import Rows, short


def headline(rows: Rows) -> str:
    return f"final loss {short(rows[0]['final_loss'])}, final ‖∇L‖ {short(rows[0]['final_grad_norm'])}"


HELP = (
    "Record the gradient norm and the loss at every iteration (HW1-2).\n"
    "\n"
    "With --task sinc the full batch's; with --task mnist each step's minibatch, plus the exact "
    "full-training-set norm every --full-every steps.\n"
    "\n"
    "Examples:\n"
    "\n"
    "  # a depth-7 net of ~571 parameters on sinc, 2000 steps\n"
    "  hw1 gradnorm\n"
    "\n"
    "  hw1 gradnorm --task mnist --dataset digits --iterations 500"
)


EXPERIMENT = Experiment(
    "gradnorm", "HW1-2 Gradient norm during training",
    "Global L2 norm of each step's gradient ({gradient}) and the loss, per iteration.",
    config=GradnormConfig, quick=QUICK, help=HELP,
    run="hw1cli.experiments.gradnorm.run:run", data=True, headline=headline, claims=claims.evaluate,
    key_numbers=KeyNumbers(("final_loss", "final_grad_norm")),
)
