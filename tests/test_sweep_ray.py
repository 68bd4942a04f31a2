"""`hw1 sweep --backend ray` against a real local Ray (2 CPUs, started here): same table as the local pool,
and a Ray worker process killed in the middle of a point is retried until the sweep completes."""

from __future__ import annotations

import os
import signal
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from conftest import read_rows, run_cli, without_timing
from test_sweep import TINY

ray = pytest.importorskip("ray")

GRID = ("--grid", "lr=0.05,0.01", "--grid", "batch-size=16,32", "--seeds", "2")


@pytest.fixture(scope="module")
def ray_cluster() -> Iterator[None]:
    ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False, configure_logging=False)
    yield
    ray.shutdown()


def _without_host(rows: list[dict[str, str]]) -> list[dict[str, str]]:
    return [{k: v for k, v in row.items() if k != "host"} for row in without_timing(rows)]


def test_local_and_ray_give_the_same_table(ray_cluster: None, tmp_path: Path) -> None:
    local = run_cli("sweep", "mnist", *GRID, "--workers", "2", "-q", "-o", tmp_path / "local", *TINY)
    assert local.exit_code == 0, local.output
    on_ray = run_cli("sweep", "mnist", *GRID, "--backend", "ray", "-q", "-o", tmp_path / "ray", *TINY)
    assert on_ray.exit_code == 0, on_ray.output
    rows = read_rows(tmp_path / "ray" / "sweep.csv")
    assert len(rows) == 8 and {r["status"] for r in rows} == {"completed"}
    assert _without_host(rows) == _without_host(read_rows(tmp_path / "local" / "sweep.csv"))
    point = "lr=0.01_batch-size=32_seed=1"
    for name in ("metrics.csv", "summary.csv"):
        assert without_timing(read_rows(tmp_path / "ray" / point / name)) == without_timing(read_rows(tmp_path / "local" / point / name))


def _parent(pid: int) -> int | None:
    try:
        return int(Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[1])
    except (OSError, ValueError, IndexError):
        return None


def _running_points() -> list[int]:
    """PIDs of this test's Ray workers now running a point: Ray titles a busy worker `ray::<function>`."""
    found = []
    for entry in Path("/proc").iterdir():
        try:
            title = (entry / "cmdline").read_bytes()
        except OSError:
            continue
        if entry.name.isdigit() and title.startswith(b"ray::run_point"):
            pid, ancestor = int(entry.name), int(entry.name)
            while ancestor not in (None, 0, 1, os.getpid()):
                ancestor = _parent(ancestor)
            if ancestor == os.getpid():
                found.append(pid)
    return found


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="finds Ray's worker processes in /proc")
def test_a_killed_ray_worker_is_retried_and_the_sweep_completes(ray_cluster: None, tmp_path: Path) -> None:
    killed: list[int] = []

    def kill_one_point() -> None:
        deadline = time.monotonic() + 120
        while not killed and time.monotonic() < deadline:
            busy = _running_points()
            if busy:
                os.kill(busy[0], signal.SIGKILL)
                killed.append(busy[0])
            time.sleep(0.05)

    killer = threading.Thread(target=kill_one_point, daemon=True)
    killer.start()
    out = tmp_path / "s"
    result = run_cli("sweep", "mnist", "--grid", "lr=0.05,0.01", "--backend", "ray", "-q", "-o", out, *TINY, "--epochs", "3")
    killer.join(timeout=5)
    assert killed, "no point was seen running"
    assert result.exit_code == 0, result.output
    rows = read_rows(out / "sweep.csv")
    assert [r["status"] for r in rows] == ["completed", "completed"]  # the killed point ran again
