"""The experiment registry is the one list: the app, `hw1 all`, `hw1 report` and the tests iterate it."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import tiny_experiment  # tests/tiny_experiment/: one folder, as a newcomer adds it
import typer
from conftest import read_rows
from typer.testing import CliRunner

from hw1cli import cli, registry

TINY = tiny_experiment.EXPERIMENT


@pytest.fixture
def with_tiny(monkeypatch: pytest.MonkeyPatch) -> typer.Typer:
    monkeypatch.setattr(registry, "EXPERIMENTS", [*registry.EXPERIMENTS, TINY])  # the one registry line
    return cli.build_app()


def invoke(app: typer.Typer, *args: object) -> Any:
    return CliRunner().invoke(app, [str(a) for a in args])


def test_the_apps_commands_are_the_registry_then_the_others() -> None:
    group = typer.main.get_command(cli.app)
    assert list(group.commands) == [*registry.names(), "all", "report", "check", "sweep", "rerun", "export"]
    assert registry.names() == ["simulate", "mnist", "pca", "gradnorm", "minratio", "randlabel", "params",
                                "interpolate", "sensitivity"]


def test_one_folder_and_one_registry_line_make_a_command_a_suite_member_a_report_a_check_and_a_sweep(with_tiny: typer.Typer,
                                                                               tmp_path: Path) -> None:
    assert "tiny" in invoke(with_tiny, "--help").output
    assert "Write STEPS rows" in invoke(with_tiny, "tiny", "--help").output
    alone = invoke(with_tiny, "tiny", "--steps", "4", "--seed", "5", "-o", tmp_path / "alone", "-q")
    assert alone.exit_code == 0, alone.output
    assert [r["value"] for r in read_rows(tmp_path / "alone" / "metrics.csv")] == ["5", "6", "9", "14"]

    root = tmp_path / "suite"
    suite = invoke(with_tiny, "all", "--only", "tiny", "--quick", "-o", root, "-q")
    assert suite.exit_code == 0, suite.output
    assert read_rows(root / "tiny" / "summary.csv") == [{"steps": "2", "last_value": "1", "status": "completed"}]
    report = (root / "report.md").read_text()
    assert "Tiny: a test experiment" in report and "last value 1" in report and "one registry line" in report
    assert read_rows(root / "tiny" / "claims.csv")[0]["verdict"] == "supported"

    check = invoke(with_tiny, "check", root, "-e", "tiny", "--require", "supported")
    assert check.exit_code == 0 and "tiny" in check.output and "squares" in check.output, check.output

    sweep = invoke(with_tiny, "sweep", "tiny", "--grid", "steps=2,3", "--workers", "1", "-q", "-o", tmp_path / "sweep")
    assert sweep.exit_code == 0, sweep.output
    table = read_rows(tmp_path / "sweep" / "sweep.csv")
    assert [(r["steps"], float(r["last_value"])) for r in table] == [("2", 1.0), ("3", 4.0)]  # its key numbers, tabulated


def test_the_suite_refuses_an_unknown_experiment_that_the_registry_lacks(with_tiny: typer.Typer, tmp_path: Path) -> None:
    result = invoke(with_tiny, "all", "--only", "nosuch", "-o", tmp_path / "r")
    assert result.exit_code == 2 and "tiny" in result.output  # the choices come from the registry


def test_a_check_in_the_config_refuses_the_suite_before_anything_trains(tmp_path: Path) -> None:
    root = tmp_path / "r"
    result = CliRunner().invoke(cli.app, ["all", "--only", "simulate", "--only", "gradnorm", "--quick", "-q",
                                          "--args", "gradnorm: --x-min 2 --x-max 1", "-o", str(root)])
    assert result.exit_code == 1
    assert result.stderr.startswith("Error: gradnorm: --x-min (2.0) must be below --x-max (1.0)")
    assert not (root / "gradnorm").exists()  # refused up front: no folder
    assert (root / "simulate" / "summary.csv").exists()  # the other experiment still ran
