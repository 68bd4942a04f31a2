"""A tenth experiment made the way the README's "Add an experiment" says: this one folder (record, config,
run, claims) and one line in the registry's list. tests/test_registry.py adds that line and finds it in
every command. It writes squares, so every number it produces is known in advance."""

from __future__ import annotations

from hw1cli.experiment_record import Experiment, KeyNumbers
from hw1cli.headlines import Rows

from . import claims
from .config import QUICK, TinyConfig


def headline(rows: Rows) -> str:
    return f"last value {rows[0]['last_value']}"


EXPERIMENT = Experiment(
    "tiny", "Tiny: a test experiment", "Squares, to show that one folder and one registry line are all an experiment needs.",
    config=TinyConfig, quick=QUICK, help="Write STEPS rows of a made-up measurement (a test experiment).",
    run="tiny_experiment.run:run", data=False, headline=headline, claims=claims.evaluate,
    key_numbers=KeyNumbers(("last_value",)),
)
