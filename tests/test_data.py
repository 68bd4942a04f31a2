"""Datasets: real torchvision loading of IDX files the tests write, digits offline, subsets, clear failures."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import torch
from conftest import run_cli, write_idx, write_tiny_mnist
from typer.testing import Result

from hw1cli.configs.data import DataConfig
from hw1cli.data import check_idx_file, load
from hw1cli.errors import DataError, UsageError

CPU = torch.device("cpu")


def one_line(result: Result) -> str:
    lines = [line for line in result.output.splitlines() if line.strip()]
    assert len(lines) == 1, result.output
    assert "Traceback" not in result.output
    return lines[0]


def test_torchvision_loads_written_idx_files_normalised_on_the_device(tiny_mnist: Path) -> None:
    data = load(DataConfig(data_dir=tiny_mnist, download=False), CPU)
    assert data.x_train.shape == (200, 1, 28, 28) and data.x_test.shape == (100, 1, 28, 28)
    assert data.x_train.dtype == torch.float32 and data.y_train.dtype == torch.int64
    assert data.num_classes == 10 and data.input_shape == (1, 28, 28) and data.input_size == 784
    # Normalised with the training set's own statistics.
    assert abs(float(data.x_train.mean())) < 1e-4 and abs(float(data.x_train.std()) - 1) < 1e-3
    # The labels are what the files say: class c lights up rows 2+2c..3+2c (see write_tiny_mnist).
    bright_row = data.x_train[:, 0, :, 10].argmax(dim=1)
    assert torch.equal((bright_row - 2) // 2, data.y_train)


def test_fashion_mnist_reads_its_own_folder(tmp_path: Path) -> None:
    root = write_tiny_mnist(tmp_path / "data", n_train=50, n_test=20, folder="FashionMNIST")
    data = load(DataConfig(dataset="fashion-mnist", data_dir=root, download=False), CPU)
    assert data.x_train.shape == (50, 1, 28, 28) and len(data.y_test) == 20


def test_digits_work_offline_with_a_stratified_seeded_split() -> None:
    data = load(DataConfig(dataset="digits"), CPU, seed=0)
    assert data.x_train.shape == (1437, 1, 28, 28) and data.x_test.shape == (360, 1, 28, 28)
    counts = torch.bincount(data.y_test, minlength=10)
    assert int(counts.min()) >= 35 and int(counts.max()) <= 37  # stratified: 10% of each class, +-1
    again = load(DataConfig(dataset="digits"), CPU, seed=0)
    other = load(DataConfig(dataset="digits"), CPU, seed=1)
    assert torch.equal(data.y_test, again.y_test) and not torch.equal(data.y_test, other.y_test)


@pytest.mark.parametrize("seed", [0, 1, 7, 2**32 - 1])
def test_digits_and_their_split_are_scikit_learns_without_importing_it(seed: int) -> None:
    """scikit-learn as the oracle: the same pixels and labels, the same train/test indices in the same order."""
    from sklearn.datasets import load_digits as sklearn_digits
    from sklearn.model_selection import train_test_split

    from hw1cli import digits

    pixels, labels = digits.load_digits(digits.csv_path())
    bunch = sklearn_digits()
    assert np.array_equal(pixels, bunch.images) and np.array_equal(labels, bunch.target)
    train, test = digits.stratified_split(labels, seed)
    expected_train, expected_test = train_test_split(np.arange(len(labels)), test_size=0.2, stratify=labels,
                                                     random_state=seed)
    assert train.tolist() == expected_train.tolist() and test.tolist() == expected_test.tolist()


def test_loading_digits_imports_no_scikit_learn() -> None:
    code = ("import sys, torch; from hw1cli.configs.data import DataConfig; from hw1cli.data import load; "
            "d = load(DataConfig(dataset='digits'), torch.device('cpu')); "
            "print(len(d.y_train), sorted(m for m in sys.modules if m.split('.')[0] in ('sklearn', 'scipy')))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.split()
    assert out == ["1437", "[]"]


def test_subset_is_class_balanced_and_seeded() -> None:
    cfg = DataConfig(dataset="digits", subset=50, test_subset=30)
    data = load(cfg, CPU, seed=3)
    assert len(data.y_train) == 50 and len(data.y_test) == 30
    assert torch.bincount(data.y_train, minlength=10).tolist() == [5] * 10
    assert torch.bincount(data.y_test, minlength=10).tolist() == [3] * 10
    assert torch.equal(load(cfg, CPU, seed=3).x_train, data.x_train)
    assert not torch.equal(load(cfg, CPU, seed=4).x_train, data.x_train)


def test_subset_fills_up_when_a_class_is_short(tmp_path: Path) -> None:
    root = write_tiny_mnist(tmp_path / "data", n_train=60, n_test=20)
    data = load(DataConfig(data_dir=root, download=False, subset=55), CPU)
    assert len(data.y_train) == 55  # the quota of a class with fewer examples goes to the others


@pytest.mark.parametrize(("args", "flag"), [(["--subset", "100000"], "--subset"), (["--test-subset", "0"], "--test-subset")])
def test_bad_subset_exits_2_with_one_line(tmp_path: Path, args: list[str], flag: str) -> None:
    result = run_cli("mnist", "--dataset", "digits", "--epochs", "1", *args, "-o", tmp_path / "out")
    assert result.exit_code == 2
    assert flag in one_line(result)


def test_truncated_idx_file_is_named_in_one_line(tiny_mnist: Path, tmp_path: Path) -> None:
    images = tiny_mnist / "MNIST" / "raw" / "train-images-idx3-ubyte"
    images.write_bytes(images.read_bytes()[:5000])
    result = run_cli("mnist", "--data-dir", tiny_mnist, "--no-download", "--epochs", "1", "-o", tmp_path / "out")
    assert result.exit_code != 0
    line = one_line(result)
    assert str(images) in line and "truncated" in line


def test_corrupt_idx_magic_is_named(tiny_mnist: Path, tmp_path: Path) -> None:
    labels = tiny_mnist / "MNIST" / "raw" / "t10k-labels-idx1-ubyte"
    labels.write_bytes(b"\x1f\x8b\x08\x00" + labels.read_bytes()[4:])  # a gzip header where the IDX one was
    result = run_cli("mnist", "--data-dir", tiny_mnist, "--no-download", "--epochs", "1", "-o", tmp_path / "out")
    assert result.exit_code != 0
    assert str(labels) in one_line(result)
    with pytest.raises(DataError, match="magic"):
        check_idx_file(labels)


def test_check_idx_file_accepts_a_good_file(tiny_mnist: Path) -> None:
    paths = sorted((tiny_mnist / "MNIST" / "raw").iterdir())
    assert len(paths) == 4  # images and labels, train and test
    for path in paths:
        rank = 3 if "images" in path.name else 1
        check_idx_file(path, ndim=rank)  # a good file with the rank it declares passes
        with pytest.raises(DataError, match=path.name):  # and the same file read as the other kind is named
            check_idx_file(path, ndim=4 - rank)


def test_missing_data_without_download_is_one_clear_line(tmp_path: Path) -> None:
    empty = tmp_path / "nothing"
    result = run_cli("mnist", "--data-dir", empty, "--no-download", "--epochs", "1", "-o", tmp_path / "out")
    assert result.exit_code == 1
    line = one_line(result)
    assert "train-images-idx3-ubyte" in line and str(empty / "MNIST" / "raw") in line
    assert "--no-download" in line and "--data-dir" in line and "--dataset digits" in line


def test_unknown_dataset_is_a_usage_error() -> None:
    with pytest.raises(UsageError, match="--dataset"):
        load(DataConfig(dataset="imagenet"), CPU)


def test_idx_cut_off_inside_its_header_is_named(tiny_mnist: Path) -> None:
    labels = tiny_mnist / "MNIST" / "raw" / "train-labels-idx1-ubyte"
    labels.write_bytes(labels.read_bytes()[:6])
    with pytest.raises(DataError, match=f"{labels}.*ends inside its header"):
        load(DataConfig(data_dir=tiny_mnist, download=False), CPU)


def test_images_and_labels_that_disagree_are_named(tiny_mnist: Path) -> None:
    write_idx(tiny_mnist / "MNIST" / "raw" / "t10k-labels-idx1-ubyte", np.zeros(70, dtype=np.uint8))
    with pytest.raises(DataError, match=r"t10k-images-idx3-ubyte holds 100 images but .*t10k-labels-idx1-ubyte holds 70"):
        load(DataConfig(data_dir=tiny_mnist, download=False), CPU)


def test_images_file_with_the_wrong_rank_is_named(tiny_mnist: Path) -> None:
    images = tiny_mnist / "MNIST" / "raw" / "train-images-idx3-ubyte"
    write_idx(images, np.zeros((200, 784), dtype=np.uint8))
    with pytest.raises(DataError, match=f"{images} is corrupt: it holds 2-D data"):
        load(DataConfig(data_dir=tiny_mnist, download=False), CPU)
