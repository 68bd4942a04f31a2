"""`hw1 simulate`: HW1-1 Deep vs shallow: fitting a function. This folder is the whole experiment: config.py (fields and their options, checks, quick preset),
run.py (training), plots.py, claims.py, and this record with its --help text (the options come from config.py's fields)."""

from __future__ import annotations

from hw1cli.experiment_record import Experiment, KeyNumbers
from hw1cli.experiments.simulate import claims
from hw1cli.experiments.simulate.config import QUICK, SimulateConfig
from hw1cli.headlines import Rows, by_label, seeds_note


def headline(rows: Rows) -> str:
    parts = []
    for function in dict.fromkeys(r["function"] for r in rows):
        mine = [r for r in rows if r["function"] == function]
        fits = []
        for depth, loss in by_label(mine, "depth", "final_loss").items():
            seeds = [r for r in mine if r["depth"] == depth]
            collapsed = sum(r.get("outcome") == "collapsed" for r in seeds)
            note = "" if not collapsed else " (collapsed)" if len(seeds) == 1 else f" ({collapsed} of {len(seeds)} collapsed)"
            fits.append(f"d{depth} {loss}{note}")
        parts.append(f"{function} MSE " + ", ".join(fits))
    return "; ".join(parts) + seeds_note(rows)


HELP = (
    "Fit sinc and sign with equal-parameter networks of different depth (HW1-1).\n"
    "\n"
    "Every depth's hidden width is solved so that each model has about --params parameters; training is "
    "full batch until the loss is below --loss-tol and flat for --patience epochs, or --epochs.\n"
    "\n"
    "Examples:\n"
    "\n"
    "  # depths 1, 4 and 7 on both targets, ~571 parameters each\n"
    "  hw1 simulate\n"
    "\n"
    "  hw1 simulate --depth 3,5 --function sign --seeds 3 -o outputs/depth3\n"
    "\n"
    "  # the course notebooks' widths; a collapse is a seed's, so look at the rate over seeds\n"
    "  hw1 simulate --function sign --widths notebook --seeds 10 -o outputs/sign-notebook"
)


EXPERIMENT = Experiment(
    "simulate", "HW1-1 Deep vs shallow: fitting a function",
    "Equal-parameter MLPs of different depth fit sinc and sign.",
    config=SimulateConfig, quick=QUICK, help=HELP,
    run="hw1cli.experiments.simulate.run:run", data=False, headline=headline, claims=claims.evaluate,
    key_numbers=KeyNumbers(("final_loss", "converged_epoch"), ("function", "depth")),
)
