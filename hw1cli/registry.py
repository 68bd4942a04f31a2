"""THE list of experiments, in the homework's order: what `hw1 --help`, `hw1 all`, `hw1 report`, `hw1 check`,
`hw1 sweep` and the tests iterate. An experiment is one folder, hw1cli/experiments/NAME/, whose `__init__` holds
its record; adding one is that folder plus one line here (docs/contributing.md: "Add an experiment").

Importing this module is cheap: records, configs and claims are torch-free and Typer-free.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import SimpleNamespace
from typing import Any

from hw1cli.experiment_record import Experiment, KeyNumbers
from hw1cli.experiments import gradnorm, interpolate, minratio, mnist, params, pca, randlabel, sensitivity, simulate

__all__ = ["EXPERIMENTS", "Experiment", "KeyNumbers", "find", "get", "names", "unused_fields"]

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


def unused_fields(command: str, config: Mapping[str, Any]) -> set[str]:
    """The config fields the run's mode ignored (gradnorm --task sinc's model and batch size, interpolate's lr_b
    when it varies the batch size), so that what shows a run's settings (the report, TensorBoard's HParams)
    does not list them as if they had been used. The config class's own unused_options() decides, read off the
    recorded values (no config is built: no checks run)."""
    experiment = find(command)
    method = getattr(experiment.config, "unused_options", None) if experiment is not None else None
    if method is None:
        return set()
    try:
        return {name for _, names in method(SimpleNamespace(**config)) for name in names}
    except Exception:  # a recorded config missing what the rule reads (older or edited): show everything
        return set()
