"""Interruption, resume, divergence and output-folder safety, on the real entry point."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from conftest import folder_contents, read_rows, run_cli, without_timing, write_tiny_mnist

SIMULATE = ["simulate", "--function", "sinc", "--depth", "1", "--depth", "2", "--depth", "3", "--epochs", "1500", "-q"]


def start(args: list[str], out: Path) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "hw1cli", *args, "-o", str(out)], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )


def wait_for_rows(path: Path, rows: int, proc: subprocess.Popen, timeout: float = 120) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            pytest.fail(f"run ended before it could be interrupted: {proc.stderr.read()}")
        if path.exists() and path.read_text().count("\n") > rows:
            return
        time.sleep(0.05)
    pytest.fail("run did not reach the row count in time")


@pytest.fixture(scope="module")
def uninterrupted(tmp_path_factory: pytest.TempPathFactory) -> list[dict[str, str]]:
    out = tmp_path_factory.mktemp("whole")
    result = run_cli(*SIMULATE, "-o", out)
    assert result.exit_code == 0, result.output
    return without_timing(read_rows(out / "metrics.csv"))


@pytest.mark.parametrize("how", [signal.SIGINT, signal.SIGKILL, signal.SIGTERM], ids=["sigint", "sigkill", "sigterm"])
def test_interrupt_then_resume_gives_the_same_metrics(tmp_path: Path, uninterrupted: list, how: signal.Signals) -> None:
    out = tmp_path / "run"
    proc = start(SIMULATE, out)
    wait_for_rows(out / "metrics.csv", 1500 + 300, proc)  # the first model done, the second under way
    proc.send_signal(how)
    code = proc.wait(timeout=60)
    kept = read_rows(out / "metrics.csv")  # readable: no torn line breaks the parser
    assert 1500 < len(kept) < 4500
    if how == signal.SIGINT:
        assert code == 130
    if how in (signal.SIGINT, signal.SIGTERM):
        assert json.loads((out / "run.json").read_text())["status"] == "interrupted"
        assert "--resume" in proc.stderr.read()
    resumed = run_cli(*SIMULATE, "-o", out, "--resume")
    assert resumed.exit_code == 0, resumed.output
    assert without_timing(read_rows(out / "metrics.csv")) == uninterrupted
    assert json.loads((out / "run.json").read_text())["status"] == "completed"


def test_divergence_is_reported_and_rows_survive(tmp_path: Path) -> None:
    out = tmp_path / "div"
    result = run_cli("simulate", "--function", "sign", "--depth", "2", "--epochs", "200", "--lr", "1e6", "-o", out, "-q")
    assert result.exit_code == 3, result.output
    assert "diverged" in result.stderr
    summary = read_rows(out / "summary.csv")
    assert summary[0]["status"] == "diverged" and summary[0]["outcome"] == "diverged"
    assert json.loads((out / "run.json").read_text())["status"] == "diverged"
    assert len(read_rows(out / "metrics.csv")) == int(summary[0]["epochs"]) >= 1


def test_foreign_folder_needs_force(tmp_path: Path) -> None:
    out = tmp_path / "mine"
    out.mkdir()
    (out / "notes.txt").write_text("keep me")
    refused = run_cli("simulate", "--epochs", "5", "--depth", "1", "-o", out, "-q")
    assert refused.exit_code == 2 and "--force" in refused.stderr
    assert sorted(p.name for p in out.iterdir()) == ["notes.txt"]
    forced = run_cli("simulate", "--epochs", "5", "--depth", "1", "-o", out, "-q", "--force")
    assert forced.exit_code == 0 and (out / "notes.txt").read_text() == "keep me"


def test_other_commands_folder_is_refused_and_rerun_replaces(tmp_path: Path) -> None:
    out = tmp_path / "o"
    assert run_cli("gradnorm", "--iterations", "5", "-o", out, "-q").exit_code == 0
    refused = run_cli("simulate", "--epochs", "5", "-o", out, "-q")
    assert refused.exit_code == 2 and "gradnorm" in refused.stderr
    again = run_cli("gradnorm", "--iterations", "7", "-o", out, "-q")
    assert again.exit_code == 0 and len(read_rows(out / "metrics.csv")) == 7
    assert not list(out.glob(".*.tmp"))


def test_resume_needs_an_earlier_run(tmp_path: Path) -> None:
    result = run_cli("simulate", "--epochs", "5", "-o", tmp_path / "new", "--resume")
    assert result.exit_code == 2 and "--resume" in result.stderr


@pytest.mark.skipif(os.name != "posix", reason="signals")
def test_debug_shows_traceback(tmp_path: Path) -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "hw1cli", "gradnorm", "--task", "mnist", "--data-dir", str(tmp_path / "none"),
         "--no-download", "--debug", "-o", str(tmp_path / "o")],
        capture_output=True, text=True, timeout=120,
    )
    assert proc.returncode == 1 and "Traceback" in proc.stderr and proc.stderr.rstrip().splitlines()[-1].startswith("Error:")


@pytest.mark.parametrize("command", ["pca", "minratio", "mnist"])
def test_resume_after_a_kill_restores_every_row(tmp_path: Path, command: str) -> None:
    """A kill leaves a prefix of metrics.csv (and maybe a torn line); --resume ends with the whole file."""
    args = [command, "--quick", "--dataset", "digits", "-q"] if command != "minratio" else [command, "--quick", "-q"]
    cut = tmp_path / "cut"
    assert run_cli(*args, "-o", cut).exit_code == 0
    expected = without_timing(read_rows(cut / "metrics.csv"))  # the whole file, before the "kill" cuts it
    text = (cut / "metrics.csv").read_text()
    (cut / "metrics.csv").write_text(text[: len(text) // 2])  # as a SIGKILL mid-write would leave it
    record = json.loads((cut / "run.json").read_text())
    (cut / "run.json").write_text(json.dumps({**record, "status": "running", "finished_at": None}))  # and this
    resumed = run_cli(*args, "-o", cut, "--resume")
    assert resumed.exit_code == 0, resumed.output
    assert without_timing(read_rows(cut / "metrics.csv")) == expected


@pytest.mark.parametrize("command", ["mnist", "randlabel", "params", "pca", "interpolate", "sensitivity"])
def test_divergence_in_every_data_experiment(tmp_path: Path, command: str) -> None:
    out = tmp_path / command
    result = run_cli(command, "--quick", "--dataset", "digits", "--lr", "1e30", "-o", out, "-q")
    assert result.exit_code == 3, result.output
    assert result.stderr.strip().startswith("Warning:") and "Traceback" not in result.output
    assert len(result.stderr.strip().splitlines()) == 1, result.stderr
    assert json.loads((out / "run.json").read_text())["status"] == "diverged"
    statuses = [row["status"] for row in read_rows(out / ("models.csv" if command == "interpolate" else "summary.csv"))]
    assert statuses and set(statuses) == {"diverged"}


def test_resume_with_changed_options_is_refused_and_keeps_the_run(tmp_path: Path) -> None:
    out = tmp_path / "r"
    assert run_cli("simulate", "--depth", "1", "--epochs", "20", "-o", out, "-q").exit_code == 0
    record = json.loads((out / "run.json").read_text())
    (out / "run.json").write_text(json.dumps({**record, "status": "interrupted"}))  # resumable
    before = (out / "run.json").read_text()
    result = run_cli("simulate", "--depth", "1", "--epochs", "20", "--lr", "0.01", "-o", out, "-q", "--resume")
    assert result.exit_code == 2 and "--lr" in result.stderr and result.stderr.count("\n") == 1
    assert (out / "run.json").read_text() == before


def test_seed_out_of_range_is_a_usage_error(tmp_path: Path) -> None:
    result = run_cli("simulate", "--seed", "99999999999999999999", "-o", tmp_path / "s", "-q")
    assert result.exit_code == 2 and result.stderr.startswith("Error: --seed") and "Traceback" not in result.output


def test_a_failed_rerun_leaves_the_previous_run_as_it_was(tmp_path: Path) -> None:
    out = tmp_path / "m"
    assert run_cli("mnist", "--dataset", "digits", "--quick", "--model", "shallow", "-q", "-o", out).exit_code == 0
    before = folder_contents(out)
    assert {"summary.csv", "metrics.csv", "run.json", "loss.png"} <= set(before)
    # fails at data loading (exit 1), after the folder was prepared for the new run
    missing = run_cli("mnist", "--quick", "--data-dir", tmp_path / "absent", "--no-download", "-q", "-o", out)
    assert missing.exit_code == 1 and "unchanged" in missing.stderr
    assert folder_contents(out) == before
    # a usage error found inside the run, once the data are loaded (exit 2, one line)
    too_big = run_cli("mnist", "--dataset", "digits", "--quick", "--batch-size", "100000", "-q", "-o", out)
    assert too_big.exit_code == 2 and too_big.stderr.count("\n") == 1
    assert folder_contents(out) == before
    # a rerun that works replaces the old run and leaves nothing set aside
    again = run_cli("mnist", "--dataset", "digits", "--quick", "--model", "shallow", "--epochs", "1", "-q", "-o", out)
    assert again.exit_code == 0
    assert not (out / ".previous").exists()
    assert json.loads((out / "run.json").read_text())["config"]["epochs"] == 1
    assert [r["epoch"] for r in read_rows(out / "metrics.csv")] == ["1"]


def test_resume_of_a_finished_run_keeps_it_and_trains_nothing(tmp_path: Path) -> None:
    out = tmp_path / "g"
    assert run_cli("gradnorm", "--iterations", "5", "-o", out, "-q").exit_code == 0
    before = folder_contents(out)
    again = run_cli("gradnorm", "--iterations", "5", "-o", out, "-q", "--resume")
    assert again.exit_code == 0 and "Nothing to resume" in again.stderr and "(completed)" in again.stderr
    assert folder_contents(out) == before


def test_a_killed_rerun_then_failing_ones_keep_the_last_finished_run(tmp_path: Path) -> None:
    data = write_tiny_mnist(tmp_path / "data")
    base = ["mnist", "--data-dir", str(data), "--no-download", "--model", "shallow", "-q"]
    out = tmp_path / "m"
    assert run_cli(*base, "--epochs", "1", "-o", out).exit_code == 0
    finished = folder_contents(out)
    proc = start([*base, "--epochs", "400"], out)
    wait_for_rows(out / "metrics.csv", 2, proc)
    proc.kill()  # SIGKILL: no clean-up runs; the finished run is still set aside in .previous/
    proc.wait(timeout=60)
    assert (out / ".previous" / "summary.csv").exists()
    shutil.move(data, tmp_path / "elsewhere")  # from now on every run fails (exit 1) loading its data
    resumed = run_cli(*base, "--epochs", "400", "-o", out, "--resume")
    assert resumed.exit_code == 1 and (out / ".previous" / "summary.csv").exists()
    rerun = run_cli(*base, "--epochs", "1", "-o", out)
    assert rerun.exit_code == 1 and "unchanged" in rerun.stderr
    assert folder_contents(out) == finished


def test_a_usage_error_removes_every_folder_it_made(tmp_path: Path) -> None:
    made = tmp_path / "x" / ".." / "y" / "z"
    result = run_cli("mnist", "--dataset", "digits", "--quick", "--batch-size", "100000", "-o", made, "-q")
    assert result.exit_code == 2 and os.listdir(tmp_path) == []
