"""`hw1 minratio`: HW1-2 Minimal ratio at near-zero gradient. This folder is the whole experiment: config.py (fields, checks, quick preset),
options.py (its command-line options and --help), run.py (training), plots.py, claims.py, and this record."""

from __future__ import annotations

import statistics

from hw1cli.experiment_record import Experiment, KeyNumbers
from hw1cli.experiments.minratio import claims
from hw1cli.experiments.minratio.config import QUICK, MinratioConfig
from hw1cli.headlines import Rows


def headline(rows: Rows) -> str:
    # Diverged runs have no ratio (empty cell); the median is statistics.median, as run.json's
    # minimal_ratio_median (the middle pair's mean for an even count, not the upper one).
    ratios = sorted(float(r["minimal_ratio"]) for r in rows if r.get("minimal_ratio"))
    reached = sum(r.get("reached_tol") == "true" for r in rows)
    return (f"minimal ratio {ratios[0]:.3f}–{ratios[-1]:.3f} (median {statistics.median(ratios):.3f}); "
            f"{reached}/{len(rows)} reached the gradient tolerance")


EXPERIMENT = Experiment(
    "minratio", "HW1-2 Minimal ratio at near-zero gradient",
    "Fraction of positive Hessian eigenvalues where the gradient vanishes.",
    config=MinratioConfig, quick=QUICK, options="hw1cli.experiments.minratio.options:options",
    run="hw1cli.experiments.minratio.run:run", data=False, headline=headline, claims=claims.evaluate,
    key_numbers=KeyNumbers(("minimal_ratio", "loss")),
)
