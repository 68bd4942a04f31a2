"""The data fields every data-based experiment's config inherits, and their checks."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from hw1cli.configs.choices import DATASETS, check_choice
from hw1cli.errors import UsageError
from hw1cli.validate import require_memory


@dataclass(frozen=True)
class DataConfig:
    """Data fields shared by the data-based experiments (their configs inherit these)."""

    dataset: str = "mnist"  # mnist | fashion-mnist | cifar10 | digits (offline)
    data_dir: Path = Path("data")  # torchvision root: data_dir/MNIST/raw/...
    download: bool = True  # fetch missing files with torchvision
    subset: int | None = None  # seeded class-balanced training subset
    test_subset: int | None = None  # same for the test set
    tile: int | None = None  # repeat the training set to this many images: full-size timing from a small set
    # Set by --quick for the subsets its preset chose (not those you gave): upper limits, so small sets still run.
    subset_is_limit: bool = False
    test_subset_is_limit: bool = False

    def check_data(self) -> None:
        check_choice("--dataset", self.dataset, DATASETS)
        for name in ("subset", "test_subset", "tile"):
            value = getattr(self, name)
            if value is not None and value < 1:
                raise UsageError(f"--{name.replace('_', '-')} must be >= 1, not {value}")
        if self.tile is not None:  # the uint8 images and their float32 copy, all in memory at once
            require_memory("--tile", self.tile, self.tile * self.input_size * 5)

    @property
    def input_size(self) -> int:
        """Values per image (known before loading): what sizes are checked against."""
        return 3 * 32 * 32 if self.dataset == "cifar10" else 28 * 28
