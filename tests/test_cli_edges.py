"""Edge inputs a hurried user or a CI script gives: one line, the right exit code, and with --json one JSON
document on stdout, never a traceback, an endless allocation or a folder left behind."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from conftest import run_cli

from hw1cli.experiment_record import Experiment

DIGITS = ("--quick", "--dataset", "digits")


@pytest.mark.parametrize(("args", "message"), [
    (("mnist", *DIGITS, "--seeds", "100000000000000000000"), "--seeds must be at most 1,000"),
    (("simulate", "--quick", "--seeds", "1001"), "--seeds must be at most 1,000"),
    (("params", *DIGITS, "--seeds", "5000"), "--seeds must be at most 1,000"),
    (("params", *DIGITS, "--depth", "100000000000000000000"), "--depth must be at most 1,000"),
    (("simulate", "--quick", "--depth", "100000000000000000000"), "--depth must be at most 1,000"),
    (("simulate", "--quick", "--depth", "4,4"), "--depth lists 4 twice"),
    (("simulate", "--quick", "--function", "sinc,sinc"), "--function lists a function twice"),
    (("mnist", *DIGITS, "--threads", "99999999999999999999"), "--threads must be at most 1024"),
    (("mnist", *DIGITS, "--device", "tpu"), "--device must be auto, cpu, cuda or cuda:N, not 'tpu'"),
    (("pca", *DIGITS, "--epochs", "100000000000000000000"), "--epochs 100,000,000,000,000,000,000 would need"),
])
def test_values_no_run_could_use_are_usage_errors_even_for_print_config(tmp_path: Path, args: tuple[str, ...], message: str) -> None:
    result = run_cli(*args, "--print-config", "-o", tmp_path / "out")
    assert result.exit_code == 2 and message in result.stderr, result.output
    assert "Traceback" not in result.output and not (tmp_path / "out").exists()


def test_hw1_threads_beyond_the_bound_names_the_variable(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HW1_THREADS", "5000")
    result = run_cli("mnist", *DIGITS, "--print-config", "-o", tmp_path / "out")
    assert result.exit_code == 2 and "HW1_THREADS (for --threads) must be at most 1024, not '5000'" in result.stderr


@pytest.mark.parametrize("option", ["print-config", "json", "log-to"])
def test_a_sweep_does_not_grid_over_how_a_command_reports(tmp_path: Path, option: str) -> None:
    result = run_cli("sweep", "mnist", "--grid", f"{option}=true,false", *DIGITS, "-o", tmp_path / "s")
    assert result.exit_code == 2 and "has no option to sweep by that name" in result.stderr
    assert "--print-config" not in result.stderr.split("choose from")[1] and not (tmp_path / "s").exists()


@pytest.mark.parametrize("args", [
    ("mnist", *DIGITS),
    ("sweep", "mnist", "--grid", "lr=0.1,0.2", *DIGITS),
    ("all", *DIGITS),
])
def test_print_config_with_json_is_refused_as_json(tmp_path: Path, args: tuple[str, ...]) -> None:
    result = run_cli(*args, "--print-config", "--json", "-o", tmp_path / "out")
    assert result.exit_code == 2
    document = json.loads(result.stdout)  # one JSON document, not TOML
    assert document["status"] == "usage error" and "--print-config prints TOML" in document["error"]


@pytest.mark.parametrize(("args", "message"), [
    (("--workers", "0"), "--workers must be at least 1"),
    (("--only", "mnist", "--skip", "mnist"), "leave no experiment to run"),
    (("--args", "bogus"), "--args takes"),
    (("--config", "/nonexistent/hw1.toml"), "no such file"),
    (("--preset", "seed-scale", "--quick"), "--preset seed-scale"),
])
def test_hw1_all_refusals_are_json_documents_with_json(tmp_path: Path, args: tuple[str, ...], message: str) -> None:
    result = run_cli("all", "--dataset", "digits", *args, "--json", "-o", tmp_path / "root")
    assert result.exit_code == 2, result.output
    document = json.loads(result.stdout)
    assert document["kind"] == "all" and document["status"] == "usage error" and message in document["error"]
    assert message in result.stderr and not (tmp_path / "root").exists()


def test_hw1_all_print_config_checks_workers_like_a_run(tmp_path: Path) -> None:
    result = run_cli("all", *DIGITS, "--workers", "0", "--print-config", "-o", tmp_path / "root")
    assert result.exit_code == 2 and "--workers must be at least 1" in result.stderr


@pytest.mark.parametrize(("typed", "meant"), [("MNIST", "mnist"), ("mnsit", "mnist"), ("sweeep", "sweep")])
def test_a_command_typo_gets_did_you_mean(typed: str, meant: str) -> None:
    result = run_cli(typed)
    assert result.exit_code == 2 and f"No such command '{typed}'. Did you mean '{meant}'?" in result.stderr


def test_ctrl_c_while_loading_leaves_no_folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def interrupted(self: Experiment) -> None:
        raise KeyboardInterrupt  # Ctrl-C during the seconds torch and the experiment's modules take to import

    monkeypatch.setattr(Experiment, "load_run", interrupted)
    out = tmp_path / "g"
    result = run_cli("gradnorm", "--iterations", "5", "--json", "-o", out)
    assert result.exit_code == 130
    assert "Interrupted before the run started: nothing was written" in result.stderr
    assert json.loads(result.stdout)["status"] == "interrupted" and not out.exists()


def test_check_refuses_a_summary_with_no_rows(tmp_path: Path) -> None:
    out = tmp_path / "g"
    assert run_cli("gradnorm", "--iterations", "5", "-q", "-o", out).exit_code == 0
    assert run_cli("check", out, "-q").exit_code == 0
    header = (out / "summary.csv").read_text().splitlines()[0]
    (out / "summary.csv").write_text(header + "\n")
    result = run_cli("check", out, "-q")
    assert result.exit_code == 1 and "summary.csv has no rows" in result.stderr


@pytest.mark.parametrize(("args", "kind", "message"), [
    (("mnist", *DIGITS, "--threads", "0"), "run", "--threads must be at least 1"),
    (("mnist", *DIGITS, "--bogus"), "run", "No such option: --bogus"),
    (("all", "--workers", "0"), "all", "--workers must be at least 1"),
])
def test_a_usage_error_click_catches_is_a_json_document_too(tmp_path: Path, args: tuple[str, ...], kind: str, message: str) -> None:
    result = run_cli(*args, "--json", "-o", tmp_path / "out")
    assert result.exit_code == 2
    document = json.loads(result.stdout)
    assert document["kind"] == kind and document["status"] == "usage error" and message in document["error"]
    assert document["folder"] == str(tmp_path / "out")
