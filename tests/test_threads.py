"""CPU threads: --threads and HW1_THREADS reach torch inside the run and run.json; the default follows the load."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import torch
from conftest import run_cli

import hw1cli.experiments.simulate.run as simulate_run
from hw1cli import cores, runtime

QUICK = ("simulate", "--quick", "--quiet", "--function", "sinc", "--depth", "1", "--epochs", "5")


@pytest.fixture
def threads_seen(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """torch.get_num_threads() as the experiment's own code sees it when it starts (without conftest's
    HW1_THREADS=1, which pins every other test to one thread)."""
    monkeypatch.delenv("HW1_THREADS", raising=False)
    seen: list[int] = []
    original = simulate_run.run

    def recording(config, context):
        seen.append(torch.get_num_threads())
        return original(config, context)

    monkeypatch.setattr(simulate_run, "run", recording)
    return seen


@pytest.mark.parametrize("how", ["option", "env"])
def test_threads_reach_torch_and_run_json(tmp_path: Path, threads_seen: list[int], how: str,
                                          monkeypatch: pytest.MonkeyPatch) -> None:
    before = torch.get_num_threads()
    wanted = 3 if before != 3 else 2  # a count the process does not already have
    if how == "env":
        monkeypatch.setenv("HW1_THREADS", str(wanted))
        result = run_cli(*QUICK, "-o", tmp_path / "out")
    else:
        result = run_cli(*QUICK, "--threads", wanted, "-o", tmp_path / "out")
    assert result.exit_code == 0, result.output
    assert threads_seen == [wanted]
    assert json.loads((tmp_path / "out" / "run.json").read_text())["threads"] == wanted
    assert torch.get_num_threads() == before  # the caller's count is restored after the run


def test_default_threads_are_the_free_cores(tmp_path: Path, threads_seen: list[int],
                                           monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(cores, "usable_cores", lambda: 2)
    monkeypatch.setattr(cores, "busy_cores", lambda cores: 1.2)  # another process keeps a core busy
    before = torch.get_num_threads()
    torch.set_num_threads(2)
    try:
        result = run_cli(*QUICK, "-o", tmp_path / "out")
    finally:
        torch.set_num_threads(before)
    assert result.exit_code == 0, result.output
    assert threads_seen == [1]
    assert json.loads((tmp_path / "out" / "run.json").read_text())["threads"] == 1


def test_default_threads_never_exceed_what_the_process_had(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(cores, "usable_cores", lambda: 8)
    monkeypatch.setattr(cores, "busy_cores", lambda cores: 0.0)
    before = torch.get_num_threads()
    torch.set_num_threads(2)  # e.g. a sweep worker's share, or OMP_NUM_THREADS=2
    try:
        assert runtime.default_threads() == 2
        monkeypatch.setattr(cores, "busy_cores", lambda cores: 7.6)
        assert runtime.default_threads() == 1  # never zero
    finally:
        torch.set_num_threads(before)


def test_busy_cores_counts_other_processes_only(monkeypatch: pytest.MonkeyPatch) -> None:
    # This process alone is running: /proc/loadavg counts the reader itself, which is not "other" load.
    monkeypatch.setattr(cores, "_own_running_threads", lambda: 1)
    readings = iter(["0.5 0.5 0.5 1/100 42", "0.5 0.5 0.5 3/100 42"] * 5)
    monkeypatch.setattr(cores.Path, "read_text", lambda self: next(readings))
    monkeypatch.setattr(cores.os, "cpu_count", lambda: 2)
    assert cores.busy_cores(2, samples=10, interval=0) == pytest.approx(1.0)  # half the time 2 others run


@pytest.mark.parametrize("value", ["0", "two"])
def test_bad_threads_are_refused_before_anything_is_written(tmp_path: Path, value: str) -> None:
    result = run_cli(*QUICK, "--threads", value, "-o", tmp_path / "out")
    assert result.exit_code == 2
    assert "--threads" in result.output
    assert not (tmp_path / "out").exists()


def test_hw1_all_passes_threads_to_every_experiment(tmp_path: Path, threads_seen: list[int]) -> None:
    before = torch.get_num_threads()
    wanted = 3 if before != 3 else 2
    result = run_cli("all", "--only", "simulate", "--quick", "--quiet", "--threads", wanted, "-o", tmp_path,
                     "--args", "simulate: --function sinc --depth 1 --epochs 5")
    assert result.exit_code == 0, result.output
    assert threads_seen == [wanted]
    assert json.loads((tmp_path / "simulate" / "run.json").read_text())["threads"] == wanted


def test_resume_keeps_the_thread_count_the_run_started_with(tmp_path: Path, threads_seen: list[int],
                                                           monkeypatch: pytest.MonkeyPatch) -> None:
    out = tmp_path / "out"
    assert run_cli(*QUICK, "--threads", 2, "-o", out).exit_code == 0
    record = json.loads((out / "run.json").read_text())
    (out / "run.json").write_text(json.dumps({**record, "status": "interrupted"}))  # as if it had been stopped
    monkeypatch.setattr(cores, "busy_cores", lambda cores: float(cores))  # now the machine is busy: default 1
    result = run_cli(*QUICK, "--resume", "-o", out)
    assert result.exit_code == 0, result.output
    assert threads_seen == [2, 2]
    assert json.loads((out / "run.json").read_text())["threads"] == 2


def test_a_run_flushes_denormals_and_puts_the_default_back(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Inside a run a denormal float is zero (a collapsed net's decaying weights cost nothing); after it, not."""
    tiny = torch.tensor([1e-39], dtype=torch.float32)  # below float32's smallest normal, 1.2e-38
    seen: list[float] = []
    original = simulate_run.run

    def recording(config, context):
        seen.append(float(tiny * 1.0))
        return original(config, context)

    monkeypatch.setattr(simulate_run, "run", recording)
    assert run_cli(*QUICK, "-o", tmp_path / "out").exit_code == 0
    assert seen == [0.0]
    assert float(tiny * 1.0) > 0
