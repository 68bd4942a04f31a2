"""THE list of experiments, in the homework's order: what `hw1 --help`, `hw1 all`, `hw1 report`, `hw1 check`,
`hw1 sweep` and the tests iterate. An experiment is one folder, hw1cli/experiments/NAME/, whose `__init__` holds
its record; adding one is that folder plus one line here (docs/contributing.md: "Add an experiment").

Importing this module is cheap: records, configs and claims are torch-free and Typer-free.
"""

from __future__ import annotations

from hw1cli.experiment_record import Experiment, KeyNumbers
from hw1cli.experiments import gradnorm, interpolate, minratio, mnist, params, pca, randlabel, sensitivity, simulate

__all__ = ["EXPERIMENTS", "Experiment", "KeyNumbers", "find", "get", "names"]

EXPERIMENTS: list[Experiment] = [
    simulate.EXPERIMENT,
    mnist.EXPERIMENT,
    pca.EXPERIMENT,
    gradnorm.EXPERIMENT,
    minratio.EXPERIMENT,
    randlabel.EXPERIMENT,
    params.EXPERIMENT,
    interpolate.EXPERIMENT,
    sensitivity.EXPERIMENT,
]


def names() -> list[str]:
    """The experiments' names in suite order (read at call time, so a registered experiment is included)."""
    return [experiment.name for experiment in EXPERIMENTS]


def get(name: str) -> Experiment:
    for experiment in EXPERIMENTS:
        if experiment.name == name:
            return experiment
    raise KeyError(name)


def find(name: str) -> Experiment | None:
    return next((e for e in EXPERIMENTS if e.name == name), None)
