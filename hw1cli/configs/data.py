"""The data fields every data-based experiment's config inherits, and their checks."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from hw1cli.configs.choices import DATASETS, check_choice
from hw1cli.configs.fields import DATA_PANEL, internal, option
from hw1cli.errors import UsageError
from hw1cli.validate import require_memory


@dataclass(frozen=True)
class DataConfig:
    """Data fields shared by the data-based experiments (their configs inherit these)."""

    dataset: str = option("mnist", "mnist, fashion-mnist, cifar10 (torchvision) or digits (scikit-learn, offline).",
                          choices=DATASETS, panel=DATA_PANEL)
    data_dir: Path = option(Path("data"), "Folder torchvision reads (and downloads) datasets in: DATA_DIR/MNIST/raw/...",
                            panel=DATA_PANEL)
    download: bool = option(True, "Download missing dataset files with torchvision.", panel=DATA_PANEL)
    subset: int | None = option(None, "Train on a seeded, class-balanced subset of this size.", panel=DATA_PANEL)
    test_subset: int | None = option(None, "Evaluate on a seeded, class-balanced test subset of this size.", panel=DATA_PANEL)
    tile: int | None = option(None, "Repeat the training set up to this many images, to time full-size workloads "
                                    "(e.g. 60000).", panel=DATA_PANEL)
    subset_is_limit: bool = internal(False, "set by --quick for the subsets its preset chose (not those you gave): "
                                            "upper limits, so small sets still run")
    test_subset_is_limit: bool = internal(False, "the same for --test-subset")

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
