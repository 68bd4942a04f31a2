"""Runs as records: what run.json holds to reproduce a run, `hw1 rerun`, --resume without retyping, run
history, and --json output."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest
from conftest import run_cli

from hw1cli import provenance

MNIST_TINY = ["mnist", "--dataset", "digits", "--model", "shallow", "--epochs", "1", "--subset", "300",
              "--test-subset", "100", "-q"]


def test_run_json_is_a_reproducibility_record(tmp_path: Path) -> None:
    out = tmp_path / "m"
    result = run_cli(*MNIST_TINY, "-o", out)
    assert result.exit_code == 0, result.output
    record = json.loads((out / "run.json").read_text())
    for name in ("torch", "torchvision", "numpy", "matplotlib", "scikit-learn", "typer", "rich", "python", "hw1"):
        assert record["versions"][name], name
    assert record["torch_threads"] >= 1
    assert record["cpu"]
    # the project is a git checkout (tests run from it): its commit is a 40-digit hash, its dirty flag a bool
    project = record["git"]["project"]
    assert len(project["commit"]) == 40 and isinstance(project["dirty"], bool)
    # digits comes from scikit-learn's bundled file: its checksum is the file's real SHA-256
    [(path, digest)] = record["data_files"].items()
    assert path.endswith("digits.csv.gz")
    assert digest == hashlib.sha256(Path(path).read_bytes()).hexdigest()


def test_mnist_files_read_are_hashed(tmp_path: Path, tiny_mnist: Path) -> None:
    out = tmp_path / "m"
    args = [a if a != "digits" else "mnist" for a in MNIST_TINY]
    result = run_cli(*args, "--subset", "100", "--data-dir", tiny_mnist, "--no-download", "-o", out)
    assert result.exit_code == 0, result.output
    files = json.loads((out / "run.json").read_text())["data_files"]
    raw = tiny_mnist / "MNIST" / "raw"
    assert sorted(Path(p).name for p in files) == sorted(p.name for p in raw.iterdir())
    for path, digest in files.items():
        assert digest == hashlib.sha256(Path(path).read_bytes()).hexdigest()


def test_git_state_is_omitted_outside_a_checkout_and_without_git(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    assert provenance.git_state(tmp_path) is None  # not a checkout
    monkeypatch.setenv("PATH", str(tmp_path))  # no git program at all
    assert provenance.git_state(Path(provenance.__file__).parent) is None


def test_checksums_are_taken_once_per_file_version(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    data = tmp_path / "d.bin"
    data.write_bytes(b"abc")
    calls = []
    real = provenance.sha256_file
    monkeypatch.setattr(provenance, "sha256_file", lambda p: calls.append(p) or real(p))
    provenance.forget_reads()
    provenance.note_read([data, data])
    assert provenance.data_checksums() == {str(data): hashlib.sha256(b"abc").hexdigest()}
    assert provenance.data_checksums() and len(calls) == 1
