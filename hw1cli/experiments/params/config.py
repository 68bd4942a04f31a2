"""`hw1 params`'s config: its fields (the defaults of the specification), checks and quick preset."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from hw1cli.configs.data import DataConfig
from hw1cli.configs.fields import eval_every_option, option
from hw1cli.validate import (
    MAX_DEPTH,
    MAX_SEEDS,
    mlp_params,
    parse_int_list,
    require_at_least,
    require_at_most,
    require_positive,
    require_trainable,
)

DEFAULT_WIDTHS = tuple(round(4 * 256 ** (i / 9)) for i in range(10))


@dataclass(frozen=True)
class ParamsConfig(DataConfig):
    widths: tuple[int, ...] = option(DEFAULT_WIDTHS, "Hidden width h of each MLP input→h→...→h→classes to compare: "
                                                     "repeat the option and/or use commas.")
    depth: int = option(2, "Hidden layers of every MLP.")
    epochs: int = option(20, "Training epochs per model.")
    batch_size: int = option(128, "Minibatch size.")
    lr: float = option(1e-3, "Adam learning rate.")
    seeds: int = option(1, "Train every width with this many seeds (seed..seed+K-1); plots show mean ± std.")
    eval_every: int = eval_every_option()
    seed: int = 0
    device: str = "auto"

    def __post_init__(self) -> None:
        self.check_data()
        # The CLI hands over strings (repeatable, comma-separated); normalise once here.
        object.__setattr__(self, "widths", parse_int_list(self.widths, "--widths", "4,16,64"))
        require_at_least(self, 1, "depth", "epochs", "batch_size", "seeds")
        require_at_least(self, 0, "eval_every")
        require_at_most(self, MAX_SEEDS, "seeds")
        require_at_most(self, MAX_DEPTH, "depth")  # before the size check builds a list of --depth widths
        require_trainable("--widths", max(self.widths), mlp_params(self.input_size, [max(self.widths)] * self.depth, 10))
        require_positive(self, "lr")


QUICK: dict[str, Any] = {"subset": 1000, "test_subset": 300, "epochs": 5, "widths": (4, 8, 16, 32, 64)}
