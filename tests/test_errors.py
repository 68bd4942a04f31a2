"""Every user mistake ends in one line on stderr and a non-zero exit (2 for usage errors), never a traceback."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import run_cli

BAD_INPUTS = [
    (["simulate", "--depth", "0"], 2, "--depth"),
    (["simulate", "--epochs", "-1"], 2, "--epochs"),
    (["simulate", "--points", "1"], 2, "--points"),
    (["simulate", "--function", "cos"], 2, "cos"),
    (["simulate", "--device", "cuda"], 2, "CUDA"),
    (["simulate", "--device", "tpu"], 2, "--device"),
    (["simulate", "--x-min", "2", "--x-max", "1"], 2, "--x-min"),
    (["simulate", "--epochs", "abc"], 2, "--epochs"),
    (["simulate", "--no-such-option"], 2, "no-such-option"),
    (["simulate", "--params", "3", "--depth", "7"], 2, "budget"),
    (["gradnorm", "--task", "cifar"], 2, "--task"),
    (["gradnorm", "--iterations", "0"], 2, "--iterations"),
    (["gradnorm", "--lr", "0"], 2, "--lr"),
    (["gradnorm", "--dataset", "imagenet"], 2, "imagenet"),
    (["nosuchcommand"], 2, "nosuchcommand"),
    (["mnist", "--model", "vgg"], 2, "vgg"),
    (["mnist", "--dataset", "digits", "--subset", "100000"], 2, "--subset"),
    (["mnist", "--dataset", "digits", "--batch-size", "5000", "--epochs", "1", "-q"], 2, "larger than the training set"),
    (["mnist", "--epochs", "0"], 2, "--epochs"),
    (["pca", "--runs", "0"], 2, "--runs"),
    (["pca", "--every", "0"], 2, "--every"),
    (["minratio", "--grad-tol", "-1"], 2, "--grad-tol"),
    (["randlabel", "--noise", "0"], 2, "--noise"),
    (["randlabel", "--noise", "1.5"], 2, "--noise"),
    (["params", "--widths", ""], 2, "--widths"),
    (["interpolate", "--vary", "foo"], 2, "--vary"),
    (["sensitivity", "--batch-sizes", "0"], 2, "--batch-sizes"),
    (["all", "--only", "nosuch"], 2, "nosuch"),
    (["simulate", "--lr", "nan"], 2, "--lr"),
    (["interpolate", "--vary", "lr", "--lr-b", "0.001"], 2, "A and B would be the same model"),
    (["interpolate", "--batch-size-b", "64"], 2, "A and B would be the same model"),
    (["randlabel", "--dataset", "digits", "--tile", "100", "--epochs", "1"], 2, "--tile 100 is smaller"),
    (["randlabel", "--dataset", "digits", "--quick", "--subset", "999999"], 2, "--subset"),  # yours stays exact
    (["gradnorm", "--lr", "inf"], 2, "--lr"),
    # refused only once the data are loaded, inside the run: the folder must still be left as it was
    (["pca", "--dataset", "digits", "--quick", "--batch-size", "100000"], 2, "larger than the training set"),
    (["randlabel", "--dataset", "digits", "--quick", "--batch-size", "100000"], 2, "larger than the training set"),
    (["sensitivity", "--dataset", "digits", "--quick", "--batch-sizes", "100000"], 2, "100000"),
    (["params", "--dataset", "digits", "--subset", "999999"], 2, "--subset"),
    (["mnist", "--data-dir", "/nonexistent/hw1-data", "--no-download"], 1, "--dataset digits"),
]


@pytest.mark.parametrize(("args", "code", "mention"), BAD_INPUTS, ids=[" ".join(a) for a, _, _ in BAD_INPUTS])
def test_bad_input_is_one_line(tmp_path: Path, args: list[str], code: int, mention: str) -> None:
    result = run_cli(*args, "-o", tmp_path / "out") if args[0] != "nosuchcommand" else run_cli(*args)
    assert result.exit_code == code, result.output
    assert "Traceback" not in result.output
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("Error:") and mention.lower() in lines[0].lower()
    if code == 2:
        assert not (tmp_path / "out").exists()  # a usage error writes nothing


def test_corrupt_data_file_is_named(tmp_path: Path) -> None:
    from conftest import write_tiny_mnist

    root = write_tiny_mnist(tmp_path / "data")
    images = root / "MNIST" / "raw" / "train-images-idx3-ubyte"
    images.write_bytes(images.read_bytes()[:-100])  # truncated, as by an interrupted download
    result = run_cli("mnist", "--data-dir", root, "--no-download", "-o", tmp_path / "o")
    assert result.exit_code == 1 and "Traceback" not in result.output
    assert result.stderr.count("\n") == 1 and "train-images-idx3-ubyte" in result.stderr


def test_out_of_memory_is_one_line() -> None:
    from hw1cli.errors import describe_error

    message = describe_error(RuntimeError("CUDA out of memory. Tried to allocate 2.00 GiB (GPU 0; 79 GiB total)"))
    assert message.startswith("out of memory") and "--batch-size" in message
    assert "--debug" in describe_error(ValueError("boom"))


def test_output_path_is_a_file(tmp_path: Path) -> None:
    target = tmp_path / "file.txt"
    target.write_text("precious")
    result = run_cli("simulate", "--epochs", "1", "-o", target)
    assert result.exit_code == 2 and "not a folder" in result.stderr
    assert target.read_text() == "precious"


@pytest.mark.skipif(os.geteuid() == 0, reason="root can write anywhere; permission bits do not stop it")
def test_output_path_not_writable(tmp_path: Path) -> None:
    locked = tmp_path / "locked"
    locked.mkdir()
    locked.chmod(0o500)
    result = run_cli("simulate", "--epochs", "1", "-o", locked / "out")
    assert result.exit_code != 0 and len(result.stderr.strip().splitlines()) == 1


def test_output_path_under_a_file(tmp_path: Path) -> None:
    """Works for root too: a folder cannot be created below a regular file."""
    blocker = tmp_path / "blocker"
    blocker.write_text("x")
    result = run_cli("simulate", "--epochs", "1", "-o", blocker / "out")
    assert result.exit_code == 1
    assert result.stderr.strip().startswith("Error: cannot write to output folder") and "Traceback" not in result.output


def test_console_script_errors_are_one_line(tmp_path: Path) -> None:
    """The real entry point (python -m hw1cli), not only the in-process runner."""
    proc = subprocess.run(
        [sys.executable, "-m", "hw1cli", "simulate", "--depth", "0", "-o", str(tmp_path / "o")],
        capture_output=True, text=True, timeout=120,
    )
    assert proc.returncode == 2 and proc.stderr.count("\n") == 1 and "Traceback" not in proc.stderr


def test_help_lists_commands_and_examples() -> None:
    result = run_cli("--help")
    assert result.exit_code == 0
    for name in ("simulate", "gradnorm"):
        assert name in result.stdout
    sub = run_cli("simulate", "--help")
    assert sub.exit_code == 0 and "hw1 simulate --depth 3" in sub.stdout
    version = run_cli("--version")
    assert version.exit_code == 0 and version.stdout.startswith("hw1 ")


@pytest.mark.parametrize(
    ("args", "mention"),
    [
        (["gradnorm", "--model", "deep"], "--model has no effect with --task sinc"),
        (["gradnorm", "--task", "mnist", "--depth", "3"], "--depth has no effect with --task mnist"),
        (["interpolate", "--vary", "lr", "--batch-size-b", "7"], "--batch-size-b has no effect with --vary lr"),
        (["interpolate", "--lr-b", "0.1"], "--lr-b has no effect with --vary batch-size"),
        (["interpolate", "--model", "lenet", "--hidden", "32"], "--hidden has no effect with --model lenet"),
        (["sensitivity", "--model", "lenet", "--hidden", "32"], "--hidden has no effect with --model lenet"),
        (["mnist", "--optimizer", "adam", "--momentum", "0.9"], "--momentum has no effect with --optimizer adam"),
    ],
)
def test_options_the_mode_ignores_are_refused(tmp_path: Path, args: list[str], mention: str) -> None:
    result = run_cli(*args, "-o", tmp_path / "o")
    assert result.exit_code == 2 and result.stderr.strip() == f"Error: {mention}; leave it out"
