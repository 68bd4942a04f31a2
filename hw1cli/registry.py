"""THE list of experiments, in the homework's order: what `hw1 --help`, `hw1 all`, `hw1 report` and the tests
iterate. Adding an experiment is its own files plus one entry here (README: "Add an experiment").

Importing this module is cheap: configs and option declarations are torch-free, and the code that trains
is named by a "module:function" string that is imported only when a run starts.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from hw1cli import headlines
from hw1cli.claims import gradnorm as gradnorm_claims
from hw1cli.claims import interpolate as interpolate_claims
from hw1cli.claims import minratio as minratio_claims
from hw1cli.claims import mnist as mnist_claims
from hw1cli.claims import params as params_claims
from hw1cli.claims import pca as pca_claims
from hw1cli.claims import randlabel as randlabel_claims
from hw1cli.claims import sensitivity as sensitivity_claims
from hw1cli.claims import simulate as simulate_claims
from hw1cli.commands import gradnorm, interpolate, minratio, mnist, params, pca, randlabel, sensitivity, simulate
from hw1cli.configs import gradnorm as gradnorm_config
from hw1cli.configs import interpolate as interpolate_config
from hw1cli.configs import minratio as minratio_config
from hw1cli.configs import mnist as mnist_config
from hw1cli.configs import params as params_config
from hw1cli.configs import pca as pca_config
from hw1cli.configs import randlabel as randlabel_config
from hw1cli.configs import sensitivity as sensitivity_config
from hw1cli.configs import simulate as simulate_config
from hw1cli.sweep.keys import KeyNumbers

if TYPE_CHECKING:
    from pathlib import Path

    from hw1cli.claims.verdicts import ClaimResult
    from hw1cli.context import RunContext

RunFunction = Callable[[Any, "RunContext"], Sequence[Mapping[str, Any]]]
Headline = Callable[[Sequence[Mapping[str, str]]], str]
Claims = Callable[["Path"], "list[ClaimResult]"]


@dataclass(frozen=True)
class Experiment:
    """One experiment: its command, config, training code and report text."""

    name: str  # the subcommand, the run folder's name under `hw1 all`'s root, run.json's "command"
    title: str  # the report's section title
    about: str  # what it shows, one sentence for the report; "{runs}", "{models}", "{gradient}" are filled from the run's summary.csv (report.about)
    config: type  # frozen dataclass; every field is an option (the shared ones come from common options)
    quick: Mapping[str, Any]  # --quick's preset: config values used where the user gave none
    options: Callable[..., None]  # declares the experiment's own options; its docstring is `--help`
    run: str  # "module:function" with run(config, RunContext) -> summary rows, imported when work starts
    data: bool  # takes the dataset options (--dataset, --data-dir, --subset, ...)
    headline: Headline  # the one line of key numbers from summary.csv (suite table, report)
    claims: Claims | None = None  # judges a run folder's files: the homework's claims with verdicts (claims/)
    key_numbers: KeyNumbers | None = None  # summary.csv columns a sweep tabulates and plots (sweep/keys.py)

    def load_run(self) -> RunFunction:
        """The training code, imported now (torch and friends come with it)."""
        module, _, function = self.run.partition(":")
        return getattr(importlib.import_module(module), function)


EXPERIMENTS: list[Experiment] = [
    Experiment("simulate", "HW1-1 Deep vs shallow: fitting a function",
               "Equal-parameter MLPs of different depth fit sinc and sign.",
               simulate_config.SimulateConfig, simulate_config.QUICK, simulate.options,
               "hw1cli.experiments.simulate:run", data=False, headline=headlines.simulate,
               claims=simulate_claims.evaluate, key_numbers=KeyNumbers(("final_loss", "converged_epoch"), ("function", "depth"))),
    Experiment("mnist", "HW1-1 Deep vs shallow: MNIST",
               "CNNs of different depth trained on a real task: {models}.",
               mnist_config.MnistConfig, mnist_config.QUICK, mnist.options,
               "hw1cli.experiments.mnist:run", data=True, headline=headlines.mnist,
               claims=mnist_claims.evaluate, key_numbers=KeyNumbers(("test_acc", "test_loss", "train_loss"), ("model",))),
    Experiment("pca", "HW1-2 Optimization trajectory (PCA)",
               "{runs} weights, projected on two principal components.",
               pca_config.PcaConfig, pca_config.QUICK, pca.options,
               "hw1cli.experiments.pca:run", data=True, headline=headlines.pca,
               claims=pca_claims.evaluate, key_numbers=KeyNumbers(("train_loss", "test_acc"))),
    Experiment("gradnorm", "HW1-2 Gradient norm during training",
               "Global L2 norm of each step's gradient ({gradient}) and the loss, per iteration.",
               gradnorm_config.GradnormConfig, gradnorm_config.QUICK, gradnorm.options,
               "hw1cli.experiments.gradnorm:run", data=True, headline=headlines.gradnorm,
               claims=gradnorm_claims.evaluate, key_numbers=KeyNumbers(("final_loss", "final_grad_norm"))),
    Experiment("minratio", "HW1-2 Minimal ratio at near-zero gradient",
               "Fraction of positive Hessian eigenvalues where the gradient vanishes.",
               minratio_config.MinratioConfig, minratio_config.QUICK, minratio.options,
               "hw1cli.experiments.minratio:run", data=False, headline=headlines.minratio,
               claims=minratio_claims.evaluate, key_numbers=KeyNumbers(("minimal_ratio", "loss"))),
    Experiment("randlabel", "HW1-3 Fitting random labels",
               "Can the network memorise labels drawn at random?",
               randlabel_config.RandlabelConfig, randlabel_config.QUICK, randlabel.options,
               "hw1cli.experiments.randlabel:run", data=True, headline=headlines.randlabel,
               claims=randlabel_claims.evaluate, key_numbers=KeyNumbers(("train_acc", "test_acc", "test_loss"), ("noise",))),
    Experiment("params", "HW1-3 Parameters vs generalization",
               "Train and test loss and accuracy across model sizes.",
               params_config.ParamsConfig, params_config.QUICK, params.options,
               "hw1cli.experiments.params:run", data=True, headline=headlines.params,
               claims=params_claims.evaluate, key_numbers=KeyNumbers(("test_loss", "test_acc", "loss_gap"), ("width",))),
    Experiment("interpolate", "HW1-3 Flatness: interpolation",
               "Loss and accuracy along the line between two trained models.",
               interpolate_config.InterpolateConfig, interpolate_config.QUICK, interpolate.options,
               "hw1cli.experiments.interpolate:run", data=True, headline=headlines.interpolate,
               claims=interpolate_claims.evaluate, key_numbers=KeyNumbers(("train_loss", "test_acc"), ("point",), only_labelled=True)),
    Experiment("sensitivity", "HW1-3 Flatness: sensitivity and sharpness",
               "Input sensitivity and Keskar sharpness vs batch size.",
               sensitivity_config.SensitivityConfig, sensitivity_config.QUICK, sensitivity.options,
               "hw1cli.experiments.sensitivity:run", data=True, headline=headlines.sensitivity,
               claims=sensitivity_claims.evaluate, key_numbers=KeyNumbers(("test_acc", "sensitivity", "sharpness_percent"), ("batch_size",))),
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
