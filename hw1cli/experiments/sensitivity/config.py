"""`hw1 sensitivity`'s config: its fields (the defaults of the specification), checks and quick preset."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from hw1cli.configs.choices import CLASSIFIERS, check_choice, check_classifier
from hw1cli.configs.data import DataConfig
from hw1cli.configs.fields import eval_every_option, option
from hw1cli.validate import mlp_params, parse_int_list, require_at_least, require_positive, require_trainable

# What every batch size gets the same of: its training loss (Keskar compared minimisers), its optimizer steps,
# or its epochs (the homework's plain comparison: a batch of 4096 then takes far fewer steps).
BUDGETS = ("loss", "steps", "epochs")
# Keskar et al. (2017)'s two batch sizes: small = 256, large = 10% of the training set (#26: the README had set
# 16 vs 4096 against their numbers, which are for these sizes).
KESKAR_SMALL = 256
KESKAR_LARGE_SHARE = 0.1


@dataclass(frozen=True)
class SensitivityConfig(DataConfig):
    batch_sizes: tuple[int, ...] = option((16, 64, 256, 1024, 4096), "Batch sizes to compare, one model each: repeat "
                                                                     "the option and/or use commas.")
    model: str = option("mlp", "mlp or lenet.", choices=CLASSIFIERS)
    hidden: tuple[int, ...] = option((256, 256), "MLP hidden layer widths, one per layer (repeat or use commas; "
                                                 "ignored by lenet).")
    epochs: int = option(20, "Training epochs, the same for every batch size (--budget epochs), so larger batches "
                             "take fewer steps.")
    lr: float = option(1e-3, "Adam learning rate, the same for every batch size.")
    budget: str = option("loss", "What every batch size gets the same of: loss (train to --target-loss, the fair "
                                 "default), steps (--max-steps each) or epochs (--epochs each).", choices=BUDGETS)
    target_loss: float = option(0.01, "--budget loss: train until the full training set's loss is <= this.")
    max_steps: int = option(10000, "Optimizer steps: the cap of --budget loss, the count of --budget steps.")
    loss_check_every: int = option(10, "--budget loss: optimizer steps between full training-set loss checks.")
    keskar: bool = option(False, "Keskar et al.'s comparison: batch 256 vs 10% of the training set, instead of "
                                 "--batch-sizes.")
    epsilon: float = option(1e-3, "Sharpness box half-width: |δ_i| <= ε·(|θ_i| + 1).")
    sharpness_steps: int = option(20, "Projected sign-gradient ascent steps of the sharpness search, each one full "
                                      "pass over the training set.")
    eval_every: int = eval_every_option()
    # Every batch size shares the initialisation and the data order (the same permutation each epoch, cut into
    # its own batch size), so a batch size's numbers do not depend on which other sizes are listed.
    seed: int = 0
    device: str = "auto"

    def unused_options(self) -> list[tuple[str, tuple[str, ...]]]:
        return [(f"--model {self.model}", ("hidden",) if self.model != "mlp" else ()),
                ("--keskar", ("batch_sizes",) if self.keskar else ())]

    def __post_init__(self) -> None:
        self.check_data()
        # The CLI hands over strings (repeatable, comma-separated); normalise once here.
        object.__setattr__(self, "batch_sizes", parse_int_list(self.batch_sizes, "--batch-sizes", "16,256,4096"))
        check_classifier(self.model, self.hidden)
        if self.model == "mlp":  # the model and its sharpness-ascent copy
            require_trainable("--hidden", max(self.hidden), mlp_params(self.input_size, self.hidden, 10), 2)
        require_at_least(self, 1, "epochs", "sharpness_steps", "max_steps", "loss_check_every")
        require_at_least(self, 0, "eval_every")
        require_positive(self, "lr", "epsilon", "target_loss")
        check_choice("--budget", self.budget, BUDGETS)


QUICK: dict[str, Any] = {
    # 20 ascent steps as by default: measured on the quick models, 3 steps were 4-17% low depending on the batch
    # size (a biased trend), 20 steps within 0.4% of 40, and a pass over 1,000 images costs little.
    "subset": 1000, "test_subset": 300, "epochs": 2, "hidden": (64,), "batch_sizes": (32, 256),
    "target_loss": 0.1, "max_steps": 300,
}
