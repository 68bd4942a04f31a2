"""Data that would train wrong is refused: labels out of range, mismatched shapes, empty files, corrupt
checkpoints (issue 16, item 6). Each is exit 1 with one line that names the file."""

from __future__ import annotations

from pathlib import Path

import numpy as np
from conftest import run_cli, write_idx

RAW = Path("MNIST") / "raw"


def train_mnist(data: Path, out: Path, *extra: str):
    return run_cli("mnist", "--data-dir", data, "--no-download", "--model", "shallow", "--epochs", "1", "-q", "-o", out, *extra)


def test_a_label_out_of_range_is_a_data_error(tiny_mnist: Path, tmp_path: Path) -> None:
    labels = np.zeros(200, dtype=np.uint8)
    labels[17] = 200
    write_idx(tiny_mnist / RAW / "train-labels-idx1-ubyte", labels)
    result = train_mnist(tiny_mnist, tmp_path / "out")
    assert result.exit_code == 1 and result.stderr.count("\n") == 1, result.output
    assert "train-labels-idx1-ubyte" in result.stderr and "label 200" in result.stderr


def test_train_and_test_images_of_different_sizes_are_a_data_error(tiny_mnist: Path, tmp_path: Path) -> None:
    write_idx(tiny_mnist / RAW / "train-images-idx3-ubyte", np.zeros((200, 20, 20), dtype=np.uint8))
    result = train_mnist(tiny_mnist, tmp_path / "out")
    assert result.exit_code == 1 and "20x20" in result.stderr and "28x28" in result.stderr, result.output
    assert "t10k-images-idx3-ubyte" in result.stderr


def test_an_idx_file_with_no_images_is_empty_not_missing(tiny_mnist: Path, tmp_path: Path) -> None:
    write_idx(tiny_mnist / RAW / "t10k-images-idx3-ubyte", np.zeros((0, 28, 28), dtype=np.uint8))
    result = train_mnist(tiny_mnist, tmp_path / "out")
    assert result.exit_code == 1 and "empty" in result.stderr and "not found" not in result.stderr, result.output
    assert "t10k-images-idx3-ubyte" in result.stderr


def test_a_corrupt_checkpoint_names_the_file_and_the_remedy(tmp_path: Path) -> None:
    out = tmp_path / "m"
    args = ["mnist", "--dataset", "digits", "--quick", "--model", "shallow", "-q", "-o", out]
    assert run_cli(*args).exit_code == 0
    record = (out / "run.json").read_text().replace('"status": "completed"', '"status": "interrupted"')
    (out / "run.json").write_text(record)
    (out / "checkpoints").mkdir()
    (out / "checkpoints" / "shallow_seed0.pt").write_bytes(b"PK\x03\x04 not a whole checkpoint")
    result = run_cli(*args, "--resume")
    assert result.exit_code == 1 and result.stderr.count("\n") == 1, result.output
    assert "shallow_seed0.pt" in result.stderr and "rerun without --resume" in result.stderr
