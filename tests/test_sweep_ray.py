"""`hw1 sweep --backend ray` against a real local Ray (2 CPUs, started here): same table as the local pool,
workers that import hw1 once and run point after point, a Ray worker process killed in the middle of a point
is retried until the sweep completes, SIGTERM ends a sweep joined through RAY_ADDRESS as "interrupted" (its
running point too, its temporary folder removed), and an address where nothing listens is refused at once."""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from conftest import read_rows, run_cli, without_timing
from test_sweep import TINY

from hw1cli import registry
from hw1cli.commands.requests import parse_request
from hw1cli.sweep.executor import RayBackend, Task, run_tasks
from hw1cli.sweep.worker import PointResult

ray = pytest.importorskip("ray")

# 4 points: two grid axes and two seeds would be 8, twice the CI time for the same check of the table
GRID = ("--grid", "lr=0.05,0.01", "--grid", "batch-size=16,32")


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
    assert len(rows) == 4 and {r["status"] for r in rows} == {"completed"}
    assert _without_host(rows) == _without_host(read_rows(tmp_path / "local" / "sweep.csv"))
    point = "lr=0.01_batch-size=32_seed=0"
    for name in ("metrics.csv", "summary.csv"):
        assert without_timing(read_rows(tmp_path / "ray" / point / name)) == without_timing(read_rows(tmp_path / "local" / point / name))


def test_ray_workers_are_reused_point_after_point(ray_cluster: None, tmp_path: Path) -> None:
    """4 points on 2 one-CPU workers: every point ran in one of 2 worker processes (torch imported twice, not 4 times)."""
    record = registry.get("mnist")
    tasks = [Task(f"p{i}", parse_request(record, [*TINY, "--lr", f"0.0{i + 1}", "-o", str(tmp_path / f"p{i}")]), ("mnist",))
             for i in range(4)]
    results: dict[str, PointResult] = {}
    run_tasks(tasks, RayBackend(None, 1.0, 0.0, 2), lambda task, result: results.update({task.key: result}))
    assert sorted(results) == [t.key for t in tasks] and {r.status for r in results.values()} == {"completed"}
    assert len({r.pid for r in results.values()}) <= 2 and os.getpid() not in {r.pid for r in results.values()}


def _parent(pid: int) -> int | None:
    try:
        return int(Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[1])
    except (OSError, ValueError, IndexError):
        return None


def _running_points() -> list[int]:
    """PIDs of this test's Ray workers now running a point: Ray titles a busy actor `ray::<class>.<method>`."""
    found = []
    for entry in Path("/proc").iterdir():
        try:
            title = (entry / "cmdline").read_bytes()
        except OSError:
            continue
        if entry.name.isdigit() and title.startswith(b"ray::PointWorker.run"):
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


def test_sigterm_with_ray_from_ray_address_ends_interrupted_in_one_line(ray_cluster: None, tmp_path: Path) -> None:
    """RAY_ADDRESS names the cluster (so --workers must not become Ray's num_cpus); SIGTERM mid-sweep: 143,
    sweep.json "interrupted", one line, no traceback (#25.9, #25.10)."""
    out = tmp_path / "s"
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[1]),
           "RAY_ADDRESS": ray.get_runtime_context().gcs_address}
    argv = [sys.executable, "-m", "hw1cli", "sweep", "simulate", "--grid", "epochs=100000,200000", "--backend", "ray",
            "--workers", "2", "-q", "-o", str(out), "--quick"]
    process = subprocess.Popen(argv, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 120
    folders: set[Path] = set()
    while not folders:  # a point is training on the cluster, in its temporary folder
        assert process.poll() is None and time.monotonic() < deadline, process.communicate()[1]
        folders = {folder for pid in _running_points() for folder in _temporary_folders(pid)}
        time.sleep(0.2)
    process.send_signal(signal.SIGTERM)
    _, stderr = process.communicate(timeout=60)
    assert process.returncode == 143, stderr
    assert json.loads((out / "sweep.json").read_text())["status"] == "interrupted"
    assert len(stderr.strip().splitlines()) == 1 and stderr.startswith("Interrupted: "), stderr
    # the running point was stopped as the local pool stops one (its run ended "interrupted" and removed its
    # temporary folder), not killed half-way with its folder left behind
    assert not [folder for folder in folders if folder.exists()]


def _temporary_folders(pid: int) -> set[Path]:
    """The temporary run folders (worker.run_point's hw1-sweep-*) of the files process `pid` has open."""
    found = set()
    with contextlib.suppress(OSError):
        for fd in Path(f"/proc/{pid}/fd").iterdir():
            with contextlib.suppress(OSError):
                target = Path(os.readlink(fd))
                tops = [p for p in target.parents if p.name.startswith("hw1-sweep-")]
                found.update(tops[-1:])
    return found


def test_an_address_where_nothing_listens_is_refused_in_seconds(tmp_path: Path) -> None:
    started = time.monotonic()
    result = run_cli("sweep", "mnist", "--grid", "lr=0.1", "--backend", "ray", "--address", "127.0.0.1:1", "-o",
                     tmp_path / "s", *TINY)
    assert result.exit_code == 2 and time.monotonic() - started < 30
    assert result.stderr.strip().splitlines() == [
        "Error: no Ray cluster answers at 127.0.0.1:1 (--address: Connection refused); start one with "
        "`ray start --head` or leave out --address"]
    assert not (tmp_path / "s").exists()


def _descendants(root: int) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            ancestor = int(entry.name)
            while ancestor not in (None, 0, 1, root):
                ancestor = _parent(ancestor)
            if ancestor == root:
                found.append(int(entry.name))
    return found


def _listening_addresses(pids: list[int]) -> list[str]:
    """The hex local addresses (/proc/net/tcp{,6}) of the listening sockets these processes hold."""
    inodes = set()
    for pid in pids:
        try:
            links = [os.readlink(f) for f in Path(f"/proc/{pid}/fd").iterdir()]
        except OSError:
            continue
        inodes.update(link[8:-1] for link in links if link.startswith("socket:["))
    found = []
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        for row in (line.split() for line in Path(table).read_text().splitlines()[1:]):
            if row[3] == "0A" and row[9] in inodes:  # 0A: LISTEN
                found.append(row[1].rpartition(":")[0])
    return found


def _start_a_long_own_ray_sweep(out: Path) -> subprocess.Popen[str]:
    """`hw1 sweep` on a Ray it starts itself (RAY_ADDRESS unset), returned once its point is training."""
    env = {k: v for k, v in os.environ.items() if k != "RAY_ADDRESS"}
    argv = [sys.executable, "-m", "hw1cli", "sweep", "simulate", "--grid", "epochs=100000", "--backend", "ray",
            "--workers", "1", "-q", "-o", str(out), "--quick"]
    process = subprocess.Popen(argv, env={**env, "PYTHONPATH": str(Path(__file__).resolve().parents[1])},
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 180
    while not [p for p in _running_points() if p in _descendants(process.pid)]:
        assert process.poll() is None and time.monotonic() < deadline, process.communicate()[1]
        time.sleep(0.5)
    return process


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads Ray's processes and sockets in /proc")
def test_hw1s_own_ray_listens_on_loopback_and_sigterm_ends_it_as_interrupted(tmp_path: Path) -> None:
    out = tmp_path / "s"
    process = _start_a_long_own_ray_sweep(out)
    listening = _listening_addresses([process.pid, *_descendants(process.pid)])
    assert listening and all(a in ("0100007F", "0000000000000000FFFF00000100007F", "00000000000000000000000001000000")
                             for a in listening), listening  # 127.0.0.1, ::ffff:127.0.0.1, ::1
    process.send_signal(signal.SIGTERM)
    _, stderr = process.communicate(timeout=60)
    assert process.returncode == 143, stderr
    assert json.loads((out / "sweep.json").read_text())["status"] == "interrupted"
    assert len(stderr.strip().splitlines()) == 1 and stderr.startswith("Interrupted: "), stderr


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="finds Ray's head in /proc")
def test_a_ray_head_killed_mid_sweep_ends_it_failed_in_one_line(tmp_path: Path) -> None:
    out = tmp_path / "s"
    process = _start_a_long_own_ray_sweep(out)
    head = [p for p in _descendants(process.pid) if b"gcs_server" in Path(f"/proc/{p}/cmdline").read_bytes()]
    os.kill(head[0], signal.SIGKILL)
    killed = time.monotonic()
    _, stderr = process.communicate(timeout=120)
    assert process.returncode == 1 and time.monotonic() - killed < 45, stderr  # not Ray's own 60 s give-up
    assert json.loads((out / "sweep.json").read_text())["status"] == "failed"
    assert stderr.strip().splitlines() == [
        f"Error: sweep stopped: {stderr.split('sweep stopped: ')[1].strip()}"] and "stopped answering" in stderr
