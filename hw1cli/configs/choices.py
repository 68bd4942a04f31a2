"""The fixed value sets of options (dataset, model, optimizer, ...), torch-free, and their Typer choices.

The modules that implement a value (models.py, data.py, the trainer) import these names, so a choice the
CLI offers is always one the code has.
"""

from __future__ import annotations

import enum
from collections.abc import Sequence

from hw1cli.errors import UsageError

DATASETS = ("mnist", "fashion-mnist", "cifar10", "digits")
CNN_MODELS = ("shallow", "medium", "deep", "lenet", "cnn")  # `hw1 mnist --model`, gradnorm --task mnist
CLASSIFIERS = ("mlp", "lenet")  # the image classifiers interpolate and sensitivity offer
ACTIVATIONS = ("leaky_relu", "relu", "tanh")
OPTIMIZERS = ("adam", "sgd", "rmsprop")
FUNCTIONS = ("sinc", "sign")  # the 1-D targets
TASKS = ("sinc", "mnist")  # gradnorm
VARY = ("batch-size", "lr")  # interpolate: the one setting models A and B differ in


def choice(name: str, values: Sequence[str]) -> type[enum.Enum]:
    """A str-valued Enum for a Typer option: --help lists the values and shell completion offers them.
    Typer hands the member over; `build_config` stores its plain `.value` in the config."""
    return enum.Enum(name, [(value, value) for value in values], type=str)  # type: ignore[return-value]


def check_choice(option: str, value: str, values: Sequence[str]) -> None:
    """Configs built in code (tests, sweeps) get the same one-line refusal as the CLI."""
    if value not in values:
        raise UsageError(f"unknown {option} {value!r}; choose from {', '.join(values)}")


def check_classifier(name: str, hidden: Sequence[int]) -> None:
    check_choice("--model", name, CLASSIFIERS)
    if not hidden or min(hidden) < 1:
        raise UsageError(f"--hidden widths must be >= 1 and at least one, got {list(hidden)}")
