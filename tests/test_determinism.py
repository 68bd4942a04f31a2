"""On CPU, the same command with the same seed gives identical metrics (timing columns aside), for every subcommand."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import read_rows, run_cli, without_timing

from hw1cli import registry


def metrics_without_timing(folder: Path) -> dict[str, list[dict[str, str]]]:
    """Every CSV of a run, timing columns dropped."""
    tables = {}
    for path in sorted(folder.glob("*.csv")):
        tables[path.name] = without_timing(read_rows(path))
    return tables


@pytest.mark.parametrize("command", registry.names())
def test_same_seed_same_metrics(tmp_path: Path, command: str) -> None:
    runs = []
    for name in ("first", "second"):
        args = [command, "--quick", "--device", "cpu", "--seed", "3", "-o", tmp_path / name, "-q"]
        if registry.get(command).data:  # the others fit 1-D functions, no dataset
            args += ["--dataset", "digits"]
        result = run_cli(*args)
        assert result.exit_code == 0, result.output
        runs.append(metrics_without_timing(tmp_path / name))
    assert runs[0] and all(rows for rows in runs[0].values())  # something was written
    assert runs[0] == runs[1]
