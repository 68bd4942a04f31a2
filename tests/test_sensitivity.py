"""`hw1 sensitivity`: batch-size parsing, bad values, a quick run with every quantity recorded."""

from __future__ import annotations

import math
from pathlib import Path

import pytest
from conftest import read_rows, run_cli, without_timing


@pytest.mark.parametrize(
    "args",
    [
        ("--batch-sizes", "0"),
        ("--batch-sizes", "16,-4"),
        ("--batch-sizes", "big"),
        ("--epsilon", "0"),
        ("--sharpness-steps", "0"),
        ("--epochs", "0"),
        ("--model", "vgg"),
    ],
)
def test_bad_values_exit_2_with_one_line(tmp_path: Path, args: tuple[str, ...]) -> None:
    result = run_cli("sensitivity", *args, "-o", tmp_path / "out")
    assert result.exit_code == 2, result.output
    assert len(result.stderr.strip().splitlines()) == 1 and result.stderr.startswith("Error: ")
    assert not (tmp_path / "out").exists()


def test_quick_run_records_every_quantity(tiny_mnist: Path, tmp_path: Path) -> None:
    out = tmp_path / "sens"
    result = run_cli(
        "sensitivity", "--data-dir", tiny_mnist, "--no-download", "--subset", "200", "--test-subset", "100",
        "--batch-sizes", "16,200", "--quick", "--quiet", "-o", out,
    )
    assert result.exit_code == 0, result.output
    for name in ("summary.csv", "metrics.csv", "run.json", "sensitivity.png"):
        assert (out / name).stat().st_size > 0, name
    rows = read_rows(out / "summary.csv")
    assert [int(r["batch_size"]) for r in rows] == [16, 200]
    assert [int(r["steps"]) for r in rows] == [2 * 13, 2 * 1]  # same epochs, so fewer steps for larger batches
    for row in rows:
        assert float(row["sensitivity"]) > 0 and float(row["sharpness"]) >= 0
        assert all(math.isfinite(float(row[c])) for c in ("train_loss", "test_loss", "train_acc", "test_acc"))
    assert len(read_rows(out / "metrics.csv")) == 2 * 2  # two epochs per batch size


def test_quick_run_lenet(tiny_mnist: Path, tmp_path: Path) -> None:
    out = tmp_path / "sens-lenet"
    result = run_cli(
        "sensitivity", "--model", "lenet", "--data-dir", tiny_mnist, "--no-download", "--subset", "200",
        "--test-subset", "100", "--batch-sizes", "50", "--epochs", "1", "--quick", "--quiet", "-o", out,
    )
    assert result.exit_code == 0, result.output
    (row,) = read_rows(out / "summary.csv")
    assert row["params"] == "61706" and float(row["sensitivity"]) > 0 and float(row["sharpness"]) >= 0


def test_default_batch_sizes_leave_out_those_the_data_cannot_fill(tmp_path: Path) -> None:
    out = tmp_path / "s"
    args = ["sensitivity", "--dataset", "digits", "--epochs", "1", "--sharpness-steps", "1", "--hidden", "16"]
    result = run_cli(*args, "-o", out)
    assert result.exit_code == 0, result.output
    assert "[4096] exceed the 1437 training images" in result.stderr
    assert [r["batch_size"] for r in read_rows(out / "summary.csv")] == ["16", "64", "256", "1024"]
    chosen = run_cli(*args, "--batch-sizes", "16,4096", "-o", tmp_path / "c", "-q")
    assert chosen.exit_code == 2 and "4096" in chosen.stderr


def test_a_batch_size_gives_the_same_numbers_whatever_else_is_listed(tmp_path: Path) -> None:
    # All batch sizes share the initialisation and the data order: a row depends on its batch size alone.
    def row_for_256(*sizes: str) -> dict[str, str]:
        out = tmp_path / "-".join(sizes)
        args = [a for size in sizes for a in ("--batch-sizes", size)]
        assert run_cli("sensitivity", "--dataset", "digits", "--quick", *args, "-o", out, "-q").exit_code == 0
        return without_timing(read_rows(out / "summary.csv"))[-1]

    alone, with_other = row_for_256("256"), row_for_256("32", "256")
    assert alone["batch_size"] == with_other["batch_size"] == "256"
    assert alone == with_other
