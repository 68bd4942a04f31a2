"""scikit-learn's bundled 8x8 digits and its seeded stratified 80/20 split, without importing scikit-learn.

`import sklearn.datasets, sklearn.model_selection` costs about 1.6 s on a 2-core VM (scipy comes with them),
more than a quick digits run trains: every `--dataset digits` process (tests, sweep points, the first set-up
command) paid it. The file is the one scikit-learn ships; the split repeats StratifiedShuffleSplit's steps
(scikit-learn 1.x) with the same RandomState draws, so the split, and every number trained on it, is the one
`train_test_split(..., stratify=y, random_state=seed)` gives (tests/test_data.py holds it to scikit-learn's).
"""

from __future__ import annotations

import gzip
import importlib.util
import math
from pathlib import Path

import numpy as np

from hw1cli.errors import DataError

TEST_FRACTION = 0.2


def csv_path() -> Path:
    """scikit-learn's copy of the digits (sklearn/datasets/data/digits.csv.gz), found without importing it."""
    spec = importlib.util.find_spec("sklearn")
    if spec is None or not spec.submodule_search_locations:
        raise DataError("--dataset digits needs scikit-learn (pip install scikit-learn)")
    return Path(next(iter(spec.submodule_search_locations))) / "datasets" / "data" / "digits.csv.gz"


def load_digits(path: Path) -> tuple[np.ndarray, np.ndarray]:
    """(images (1797, 8, 8) float64 in 0..16, labels (1797,) int): what sklearn.datasets.load_digits returns."""
    try:
        with gzip.open(path, "rt") as handle:
            data = np.loadtxt(handle, delimiter=",")
    except (OSError, ValueError) as error:
        raise DataError(f"cannot read scikit-learn's digits at {path}: {error}") from None
    return data[:, :-1].reshape(-1, 8, 8), data[:, -1].astype(int)


def stratified_split(labels: np.ndarray, seed: int, test_fraction: float = TEST_FRACTION) -> tuple[np.ndarray, np.ndarray]:
    """(train indices, test indices): each class split in proportion, shuffled; scikit-learn's draws in its order."""
    n_test = math.ceil(test_fraction * len(labels))
    n_train = len(labels) - n_test
    _, class_of, class_counts = np.unique(labels, return_inverse=True, return_counts=True)
    by_class = np.split(np.argsort(class_of, kind="stable"), np.cumsum(class_counts)[:-1])
    rng = np.random.RandomState(seed)
    train_counts = _approximate_mode(class_counts, n_train, rng)
    test_counts = _approximate_mode(class_counts - train_counts, n_test, rng)
    train: list[int] = []
    test: list[int] = []
    for members, n_train_i, n_test_i in zip(by_class, train_counts, test_counts, strict=True):
        shuffled = members.take(rng.permutation(len(members)), mode="clip")
        train.extend(shuffled[:n_train_i])
        test.extend(shuffled[n_train_i:n_train_i + n_test_i])
    return rng.permutation(train), rng.permutation(test)


def _approximate_mode(class_counts: np.ndarray, n_draws: int, rng: np.random.RandomState) -> np.ndarray:
    """How many of `n_draws` each class gets: its floored share, then one more for the largest remainders
    (ties broken at random), until the counts sum to n_draws."""
    continuous = class_counts / class_counts.sum() * n_draws
    floored = np.floor(continuous)
    need = int(n_draws - floored.sum())
    if need > 0:
        remainder = continuous - floored
        for value in np.sort(np.unique(remainder))[::-1]:
            (tied,) = np.where(remainder == value)
            take = min(len(tied), need)
            floored[rng.choice(tied, size=take, replace=False)] += 1
            need -= take
            if need == 0:
                break
    return floored.astype(int)
