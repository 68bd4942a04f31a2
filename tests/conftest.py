"""Shared test helpers: the CLI runner, the shared real-MNIST folder, tiny IDX files written on the spot."""

from __future__ import annotations

import csv
import struct
from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

from hw1cli.cli import app
from hw1cli.files import is_timing_column

# ../shared/data beside the project checkout: real MNIST digits (8k train / 2k test); read-only in CI.
SHARED_DATA = Path(__file__).resolve().parents[2] / "shared" / "data"


# The longest test files (seconds under `-n 2`, 2026-12-03), started first: pytest-xdist's --dist loadfile hands
# files out in collection order, and a long file handed out last kept one worker busy alone for minutes.
LONGEST_FILES = ("test_sweep_ray.py", "test_suite_workers.py", "test_reliability.py", "test_drivers.py",
                 "test_failures.py", "test_runs.py", "test_notebooks.py")


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Longest files first; each file's tests stay together and in their order (a stable sort)."""
    rank = {name: index for index, name in enumerate(LONGEST_FILES)}
    items.sort(key=lambda item: rank.get(item.path.name, len(rank)))


def run_cli(*args: str):
    """Invoke `hw1 ARGS` in-process; returns Typer's Result (exit_code, stdout, stderr, output)."""
    return CliRunner().invoke(app, [str(a) for a in args])


def read_rows(path: Path) -> list[dict[str, str]]:
    with open(path, newline="") as handle:
        return list(csv.DictReader(handle))


def without_timing(rows: list[dict[str, str]]) -> list[dict[str, str]]:
    """Rows without their wall-clock columns, which differ between otherwise identical runs."""
    return [{k: v for k, v in row.items() if not is_timing_column(k)} for row in rows]


def folder_contents(folder: Path) -> dict[str, bytes | None]:
    """Every entry directly in `folder` by name, with a file's bytes (None for a folder, e.g. a leftover
    .previous/): to check that a run left a folder exactly as it was."""
    return {p.name: p.read_bytes() if p.is_file() else None for p in sorted(folder.iterdir())}


def write_idx(path: Path, array: np.ndarray) -> None:
    """Write an unsigned-byte IDX file (the MNIST format) from a uint8 array."""
    path.parent.mkdir(parents=True, exist_ok=True)
    header = struct.pack(">BBBB", 0, 0, 0x08, array.ndim) + struct.pack(f">{array.ndim}I", *array.shape)
    path.write_bytes(header + np.ascontiguousarray(array, dtype=np.uint8).tobytes())


def write_tiny_mnist(root: Path, n_train: int = 200, n_test: int = 100, seed: int = 0, folder: str = "MNIST") -> Path:
    """Learnable fake digits in torchvision's MNIST layout: class c lights up row band c."""
    rng = np.random.default_rng(seed)
    raw = root / folder / "raw"
    for prefix, n in (("train", n_train), ("t10k", n_test)):
        labels = rng.integers(0, 10, n).astype(np.uint8)
        images = rng.integers(0, 60, (n, 28, 28)).astype(np.uint8)
        for i, c in enumerate(labels):
            images[i, 2 + 2 * c : 4 + 2 * c, 4:24] = 255
        write_idx(raw / f"{prefix}-images-idx3-ubyte", images)
        write_idx(raw / f"{prefix}-labels-idx1-ubyte", labels)
    return root


@pytest.fixture(autouse=True)
def one_thread(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every test's runs on one torch thread: the default follows the machine's load (runtime.default_threads),
    and the thread count changes some float sums, so two runs compared within a test could differ on a busy
    machine. tests/test_threads.py removes it where the default itself is tested. `hw1 all` runs its
    experiments one after another in this process (its default runs them at once in worker processes, where
    a test's monkeypatches do not reach); tests/test_suite_workers.py sets --workers itself."""
    monkeypatch.setenv("HW1_THREADS", "1")
    monkeypatch.setenv("HW1_WORKERS", "1")


@pytest.fixture
def tiny_mnist(tmp_path: Path) -> Path:
    return write_tiny_mnist(tmp_path / "data")


@pytest.fixture
def shared_data() -> Path:
    if not (SHARED_DATA / "MNIST" / "raw").exists():
        pytest.skip("../shared/data (real MNIST) is not present")
    return SHARED_DATA
