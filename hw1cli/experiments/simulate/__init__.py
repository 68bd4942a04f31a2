"""`hw1 simulate`: HW1-1 Deep vs shallow: fitting a function. This folder is the whole experiment: config.py (fields, checks, quick preset),
options.py (its command-line options and --help), run.py (training), plots.py, claims.py, and this record."""

from __future__ import annotations

from hw1cli.experiment_record import Experiment, KeyNumbers
from hw1cli.experiments.simulate import claims
from hw1cli.experiments.simulate.config import QUICK, SimulateConfig
from hw1cli.headlines import Rows, short


def headline(rows: Rows) -> str:
    parts = []
    for function in dict.fromkeys(r["function"] for r in rows):
        fits = [f"d{r['depth']} {short(r['final_loss'])}{' (collapsed)' if r.get('outcome') == 'collapsed' else ''}"
                for r in rows if r["function"] == function]
        parts.append(f"{function} MSE " + ", ".join(fits))
    return "; ".join(parts)


EXPERIMENT = Experiment(
    "simulate", "HW1-1 Deep vs shallow: fitting a function",
    "Equal-parameter MLPs of different depth fit sinc and sign.",
    config=SimulateConfig, quick=QUICK, options="hw1cli.experiments.simulate.options:options",
    run="hw1cli.experiments.simulate.run:run", data=False, headline=headline, claims=claims.evaluate,
    key_numbers=KeyNumbers(("final_loss", "converged_epoch"), ("function", "depth")),
)
