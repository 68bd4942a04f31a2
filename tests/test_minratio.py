"""`hw1 minratio` end to end on CPU, and its one-line usage errors."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from conftest import read_rows, run_cli


def test_minratio_quick_writes_summary_eigenvalues_and_figure(tmp_path: Path) -> None:
    out = tmp_path / "minratio"
    result = run_cli(
        "minratio", "--quick", "--runs", "3", "--hidden", "4", "--hidden", "4", "--warmup-epochs", "100",
        "--max-grad-steps", "20", "--device", "cpu", "-o", out, "--quiet",
    )
    assert result.exit_code == 0, result.output
    for name in ("summary.csv", "eigenvalues.csv", "metrics.csv", "minratio_vs_loss.png", "run.json"):
        assert (out / name).stat().st_size > 0, name
    rows = read_rows(out / "summary.csv")
    params = 1 * 4 + 4 + 4 * 4 + 4 + 4 + 1  # 1->4->4->1
    assert len(rows) == 3 and all(r["params"] == str(params) for r in rows)
    for r in rows:
        assert 0 <= float(r["minimal_ratio"]) <= 1
        assert float(r["min_eigenvalue"]) <= float(r["max_eigenvalue"])
        assert (r["reached_tol"] == "true") == (float(r["grad_norm"]) < 1e-3)
        assert int(r["grad_steps"]) <= 20
    assert len(read_rows(out / "eigenvalues.csv")) == 3 * params
    assert json.loads((out / "run.json").read_text())["runs"] == 3


@pytest.mark.parametrize(
    "args, message",
    [(["--runs", "0"], "--runs must be >= 1"), (["--grad-tol", "0"], "--grad-tol must be > 0"),
     (["--activation", "gelu"], "--activation"), (["--x-min", "2"], "--x-min")],
)
def test_minratio_bad_values_exit_2_with_one_line(tmp_path: Path, args: list[str], message: str) -> None:
    result = run_cli("minratio", "-o", tmp_path / "bad", *args)
    assert result.exit_code == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and message in lines[0]
