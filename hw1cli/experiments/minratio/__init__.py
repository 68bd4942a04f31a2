"""`hw1 minratio`: HW1-2 Minimal ratio at near-zero gradient. This folder is the whole experiment: config.py (fields and their options, checks, quick preset),
run.py (training), plots.py, claims.py, and this record with its --help text (the options come from config.py's fields)."""

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


HELP = (
    "Train to near-critical points (‖∇L‖ → 0) and measure the exact Hessian's minimal ratio (HW1-2).\n"
    "\n"
    "Loss phase (MSE), then ‖∇L‖² phase (at least --min-grad-steps, then until ‖∇L‖ < --grad-tol). "
    "Writes summary.csv (per run: each phase's steps, loss, grad norm, the strict minimal ratio, the "
    "ratio with |λ| <= --eig-tol·max|λ| counted as zero, and λmin/max|λ|), eigenvalues.csv and "
    "minratio_vs_loss.png.\n"
    "\n"
    "Examples:\n"
    "\n"
    "  # 100 runs of a 1-10-10-1 tanh net on sinc, 141 parameters\n"
    "  hw1 minratio\n"
    "\n"
    "  # 20 other initialisations\n"
    "  hw1 minratio --runs 20 --seed 100 -o outputs/minratio-20"
)


EXPERIMENT = Experiment(
    "minratio", "HW1-2 Minimal ratio at near-zero gradient",
    "Fraction of positive Hessian eigenvalues where the gradient vanishes.",
    config=MinratioConfig, quick=QUICK, help=HELP,
    run="hw1cli.experiments.minratio.run:run", data=False, headline=headline, claims=claims.evaluate,
    key_numbers=KeyNumbers(("minimal_ratio", "loss")),
)
