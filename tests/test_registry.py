"""The experiment registry is the one list: the app, `hw1 all`, `hw1 report` and the tests iterate it."""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any

import pytest
import typer
from conftest import read_rows
from typer.testing import CliRunner

from hw1cli import cli, registry
from hw1cli.configs.fields import option
from hw1cli.context import RunContext


@dataclasses.dataclass(frozen=True)
class TinyConfig:
    steps: int = option(3, "Rows to write.")
    seed: int = 0
    device: str = "auto"


def run_tiny(cfg: TinyConfig, ctx: RunContext) -> list[dict[str, Any]]:
    log = ctx.out.metrics_log(("step", "value"), keys=("step",))
    for step in range(cfg.steps):
        log.write({"step": step, "value": step * step + cfg.seed})
    log.close()
    summary = [{"steps": cfg.steps, "last_value": (cfg.steps - 1) ** 2 + cfg.seed, "status": "completed"}]
    ctx.out.write_csv("summary.csv", summary)
    return summary


TINY = registry.Experiment(
    "tiny", "Tiny: a test experiment", "Squares, to show that one registry entry is all an experiment needs.",
    TinyConfig, {"steps": 2}, "Write STEPS rows of a made-up measurement (a test experiment).",
    f"{__name__}:run_tiny", data=False,
    headline=lambda rows: f"last value {rows[0]['last_value']}",
)


@pytest.fixture
def with_tiny(monkeypatch: pytest.MonkeyPatch) -> typer.Typer:
    monkeypatch.setattr(registry, "EXPERIMENTS", [*registry.EXPERIMENTS, TINY])
    return cli.build_app()


def invoke(app: typer.Typer, *args: object) -> Any:
    return CliRunner().invoke(app, [str(a) for a in args])


def test_the_apps_commands_are_the_registry_then_all_report_check_sweep_and_rerun() -> None:
    group = typer.main.get_command(cli.app)
    assert list(group.commands) == [*registry.names(), "all", "report", "check", "sweep", "rerun"]
    assert registry.names() == ["simulate", "mnist", "pca", "gradnorm", "minratio", "randlabel", "params",
                                "interpolate", "sensitivity"]


def test_a_registered_experiment_is_a_command_runs_in_the_suite_and_is_reported(with_tiny: typer.Typer,
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
    assert "Tiny: a test experiment" in report and "last value 1" in report and "one registry entry" in report


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
