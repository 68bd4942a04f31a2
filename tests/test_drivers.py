"""The drivers (`hw1 sweep`, `hw1 all --workers`) on signals and kills: one stop discipline (INT, TERM, HUP:
130/143/129, the folder's json final, no traceback, no process left), workers that die with a SIGKILLed
driver (no stale lock: --resume proceeds), Ctrl-C while the pool starts, and only the dying worker's task
charged a retry. Plus the one way from argv to a checked request. "No process left" reads /proc: every
driver runs in a session of its own, and the test waits for that session to be empty."""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from conftest import read_rows, run_cli
from test_sweep import TINY

from hw1cli import registry
from hw1cli.commands.requests import parse_request
from hw1cli.errors import UsageError
from hw1cli.files import read_csv

ROOT = Path(__file__).resolve().parents[1]
QUICK_SUITE = ("all", "--quick", "--dataset", "digits", "-q", "--only", "gradnorm", "--only", "params")
pytestmark = pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="reads processes from /proc")


def _session(sid: int) -> list[int]:
    """The live processes of session `sid` (zombies count as gone: they run nothing and hold no lock)."""
    pids = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rpartition(")")[2].split()
        except OSError:
            continue
        if int(fields[3]) == sid and fields[0] != "Z":  # after "(comm)": state, ppid, pgrp, session
            pids.append(int(entry.name))
    return pids


def _start(*args: str, env: dict[str, str] | None = None) -> subprocess.Popen[str]:
    return subprocess.Popen([sys.executable, "-m", "hw1cli", *args], env={**os.environ, "PYTHONPATH": str(ROOT), **(env or {})},
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, start_new_session=True)


def _wait_for(condition, process: subprocess.Popen[str], what: str, seconds: float = 180) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        assert process.poll() is None, f"the driver ended before {what}: {process.communicate()[1]}"
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.2)


def _none_left(sid: int, seconds: float = 5.0) -> list[int]:
    deadline = time.monotonic() + seconds
    while _session(sid) and time.monotonic() < deadline:
        time.sleep(0.1)
    return _session(sid)


def _status(path: Path) -> str | None:
    try:
        return json.loads(path.read_text())["status"]
    except (OSError, ValueError, KeyError):
        return None


# -- one way from argv to a request ---------------------------------------------------------------------
def test_parse_request_is_the_one_parser() -> None:
    mnist = registry.get("mnist")
    request = parse_request(mnist, ["--lr", "0.5", "--quick", "-o", "x"])
    assert request.config.lr == 0.5 and request.quick and request.folder == Path("x")
    with pytest.raises(UsageError, match=r"^--lr must be a number, not 'abc'"):
        parse_request(mnist, ["--lr", "abc"])
    sources = {p: p.read_text() for p in (ROOT / "hw1cli").rglob("*.py")}
    assert [p.name for p, text in sources.items() if "make_context(" in text] == ["requests.py"]
    assert not [p for p, text in sources.items() if 'removeprefix("Error: ")' in text]
    for path in (ROOT / "hw1cli" / "sweep").glob("*.py"):  # the sweep layer never re-enters the app
        assert not re.search(r"hw1cli\.(commands|cli)\b|from hw1cli import .*\bcli\b", sources[path]), path


# -- one stop discipline ------------------------------------------------------------------------------
@pytest.mark.parametrize(("name", "code"), [("SIGINT", 130), ("SIGHUP", 129)])  # SIGTERM: test_sweep.py
def test_a_stopped_sweep_ends_interrupted_with_no_process_left(tmp_path: Path, name: str, code: int) -> None:
    out = tmp_path / "s"
    process = _start("sweep", "simulate", "--grid", "epochs=5,200000", "--workers", "1", "-q", "-o", str(out), "--quick")
    _wait_for(lambda: read_csv(out / "sweep.csv"), process, "the first point finished")
    time.sleep(1.0)  # the second point is training
    # Ctrl-C reaches the whole job (the terminal's process group); a HUP here reaches the driver only
    (os.killpg if name == "SIGINT" else os.kill)(process.pid, getattr(signal, name))
    _, stderr = process.communicate(timeout=60)
    assert process.returncode == code, stderr
    assert "Traceback" not in stderr and stderr.strip().splitlines()[-1].startswith("Interrupted: "), stderr
    assert _status(out / "sweep.json") == "interrupted"
    assert [r["status"] for r in read_rows(out / "sweep.csv")] == ["completed"]
    assert _none_left(process.pid) == []


@pytest.mark.parametrize(("name", "code"), [("SIGHUP", 129), ("SIGINT", 130)])  # SIGTERM: test_suite_workers.py
def test_a_stopped_suite_with_workers_ends_interrupted_with_no_process_left(tmp_path: Path, name: str, code: int) -> None:
    root = tmp_path / "s"
    process = _start("all", "--quick", "--dataset", "digits", "-q", "--only", "simulate", "--workers", "2",
                     "--args", "simulate: --epochs 200000", "-o", str(root))
    _wait_for(lambda: _status(root / "simulate" / "run.json") == "running", process, "simulate started")
    (os.killpg if name == "SIGINT" else os.kill)(process.pid, getattr(signal, name))
    _, stderr = process.communicate(timeout=60)
    assert process.returncode == code and "Traceback" not in stderr, stderr
    assert _status(root / "simulate" / "run.json") == "interrupted"
    assert (root / "report.md").exists()
    assert _none_left(process.pid) == []


# -- SIGKILL of the driver ----------------------------------------------------------------------------
def test_workers_die_with_a_killed_sweep_driver_and_resume_proceeds(tmp_path: Path) -> None:
    out = tmp_path / "s"
    grid = ("sweep", "mnist", "--grid", "lr=0.05,0.04,0.03", "--workers", "1", "-q", "-o", str(out), *TINY)
    process = _start(*grid)
    _wait_for(lambda: read_csv(out / "sweep.csv"), process, "the first point finished")
    process.kill()
    process.communicate(timeout=30)
    assert _none_left(process.pid) == []  # within 5 s: the pool's workers and fork server are gone
    result = run_cli(*grid[:-len(TINY)], "--resume", *TINY)
    assert result.exit_code == 0, result.output
    assert [r["status"] for r in read_rows(out / "sweep.csv")] == ["completed"] * 3


def test_workers_die_with_a_killed_suite_driver_and_resume_proceeds(tmp_path: Path) -> None:
    root = tmp_path / "s"
    process = _start(*QUICK_SUITE, "--workers", "2", "-o", str(root))
    _wait_for(lambda: any(_status(root / n / "run.json") == "running" for n in ("gradnorm", "params")), process,
              "an experiment started")
    process.kill()
    process.communicate(timeout=30)
    assert _none_left(process.pid) == []  # and with them the folder locks they held
    started = time.monotonic()
    result = run_cli(*QUICK_SUITE, "--workers", "2", "--resume", "-o", root)
    assert result.exit_code == 0, result.output
    assert "in use" not in result.output and time.monotonic() - started < 120
    assert _status(root / "gradnorm" / "run.json") == _status(root / "params" / "run.json") == "completed"


# -- the pool ------------------------------------------------------------------------------------------
def test_ctrl_c_while_the_pool_starts_prints_no_traceback(tmp_path: Path) -> None:
    out = tmp_path / "s"
    process = _start("sweep", "mnist", "--grid", "lr=0.05,0.04", "--workers", "2", "-q", "-o", str(out), *TINY,
                     env={"HW1_TEST_SIGNAL_AT": "pool-started:INT"})
    _, stderr = process.communicate(timeout=120)
    assert process.returncode == 130, stderr
    assert "Traceback" not in stderr and len(stderr.strip().splitlines()) == 1, stderr
    assert _status(out / "sweep.json") == "interrupted"
    assert _none_left(process.pid) == []


def test_a_broken_pool_charges_only_the_task_whose_worker_died(tmp_path: Path) -> None:
    out = tmp_path / "s"
    process = _start("sweep", "mnist", "--grid", "lr=0.05,0.01", "--workers", "2", "-q", "-o", str(out), *TINY,
                     env={"HW1_TEST_KILL_AT": "task:lr=0.05_seed=0"})  # its worker dies each time it starts it
    _, stderr = process.communicate(timeout=300)
    assert process.returncode == 1, stderr
    rows = {r["lr"]: r for r in read_rows(out / "sweep.csv")}
    assert rows["0.05"]["status"] == "failed" and "died 4 times" in rows["0.05"]["error"]
    assert rows["0.01"]["status"] == "completed"  # broken with the pool each time, never charged
    assert stderr.count("Error: ") == 1 and "Error: point lr=0.05_seed=0: the worker process died 4 times" in stderr
