"""`hw1 all --workers N` (local pool, Ray): the sequential suite's files and report; SIGTERM keeps what finished.
And roots holding sweep folders: `hw1 report` reports them, `hw1 all` does not take them for foreign files."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import torch
from conftest import read_rows, run_cli, without_timing

from hw1cli.commands.suite_workers import threads_per_worker

ROOT = Path(__file__).resolve().parents[1]
SUITE = ("all", "--quick", "--dataset", "digits", "-q")
EXPERIMENTS = ("mnist", "params", "gradnorm")


def _csvs(folder: Path) -> dict[str, list[dict[str, str]]]:
    return {p.name: without_timing(read_rows(p)) for p in sorted(folder.glob("*.csv"))}


def _status(folder: Path) -> str | None:
    try:
        return json.loads((folder / "run.json").read_text())["status"]
    except (OSError, ValueError):
        return None


def _sections(root: Path) -> list[str]:
    """The report's experiment headings, in order (report.md: '## <title> (`hw1 NAME`)' lines)."""
    return [line for line in (root / "report.md").read_text().splitlines() if line.startswith("## ") and "(`hw1 " in line]


@pytest.fixture(scope="module")
def sequential(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The three experiments one after another, at the torch thread count each of two workers gets.
    CPU results depend on the thread count (a reduction split over another number of threads adds in another
    order: last-bit differences that training grows), so `--workers 1` at the machine's default thread count
    would differ from `--workers 2` on a machine with more than two cores for that reason alone."""
    root = tmp_path_factory.mktemp("suite") / "sequential"
    threads = torch.get_num_threads()
    torch.set_num_threads(threads_per_worker(2))
    try:
        # --workers 1 typed: the default counts free cores, 2 on a quiet 2-core machine
        result = run_cli(*SUITE, *(f"--only={n}" for n in EXPERIMENTS), "--workers", "1", "-o", root)
    finally:
        torch.set_num_threads(threads)
    assert result.exit_code == 0, result.output
    return root


def test_two_workers_write_the_sequential_suites_files_and_report(sequential: Path, tmp_path: Path) -> None:
    root = tmp_path / "workers"
    result = run_cli(*SUITE, *(f"--only={n}" for n in EXPERIMENTS), "--workers", "2", "-o", root)
    assert result.exit_code == 0, result.output
    for name in EXPERIMENTS:
        assert _csvs(root / name) == _csvs(sequential / name), name
        assert {"metrics.csv", "summary.csv", "claims.csv"} <= set(_csvs(root / name)), name
        record = json.loads((root / name / "run.json").read_text())
        # each experiment ran in its own folder, and run.json says how to rerun it alone
        assert record["status"] == "completed" and record["argv"][1] == name
        assert record["argv"][record["argv"].index("-o") + 1] == str(root / name)
        # and which suite it belongs to: the driver's command line (here pytest's) and 2 at once
        assert record["suite"] == {"argv": sys.argv, "workers": 2}
        assert json.loads((sequential / name / "run.json").read_text())["suite"] == {"argv": sys.argv, "workers": 1}
    assert _sections(root) == _sections(sequential) and len(_sections(root)) == 3


@pytest.mark.parametrize(
    ("args", "mention"),
    [(["--workers", "0"], "--workers must be at least 1"), (["--address", "auto"], "--address needs --backend ray")],
)
def test_worker_options_are_checked_before_anything_runs(tmp_path: Path, args: list[str], mention: str) -> None:
    result = run_cli(*SUITE, "--only", "gradnorm", *args, "-o", tmp_path / "root")
    assert result.exit_code == 2 and mention in result.stderr, result.stderr
    assert not (tmp_path / "root").exists()


@pytest.fixture
def ray_cluster() -> Iterator[None]:
    ray = pytest.importorskip("ray")
    # as many CPUs as the backend asks for: two experiments at once, each with its threads
    ray.init(num_cpus=2 * threads_per_worker(2), include_dashboard=False, log_to_driver=False, configure_logging=False)
    yield
    ray.shutdown()


def test_on_ray_the_files_come_back_into_the_suites_folders(ray_cluster: None, sequential: Path, tmp_path: Path) -> None:
    root = tmp_path / "ray"
    result = run_cli(*SUITE, "--only", "params", "--only", "gradnorm", "--backend", "ray", "--workers", "2", "-o", root)
    assert result.exit_code == 0, result.output
    for name in ("params", "gradnorm"):
        assert _csvs(root / name) == _csvs(sequential / name), name
        assert json.loads((root / name / "run.json").read_text())["status"] == "completed"
    assert not [p for p in root.iterdir() if p.name.startswith(".")]  # no staging folder left behind
    assert _sections(root) == [s for s in _sections(sequential) if "(`hw1 mnist`)" not in s] and len(_sections(root)) == 2


def test_sigterm_keeps_finished_experiments_and_stops_the_running_one(tmp_path: Path) -> None:
    root = tmp_path / "s"
    argv = [sys.executable, "-m", "hw1cli", *SUITE, "--only", "simulate", "--only", "gradnorm", "--workers", "2",
            "--args", "simulate: --epochs 200000", "-o", str(root)]
    process = subprocess.Popen(argv, env={**os.environ, "PYTHONPATH": str(ROOT)}, stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 120
    while _status(root / "gradnorm") != "completed":  # gradnorm finished while simulate trains on
        assert process.poll() is None and time.monotonic() < deadline, "the suite ended before gradnorm finished"
        time.sleep(0.2)
    process.send_signal(signal.SIGTERM)
    _, stderr = process.communicate(timeout=60)
    assert process.returncode == 143, stderr
    assert _status(root / "gradnorm") == "completed" and _status(root / "simulate") == "interrupted"
    assert read_rows(root / "simulate" / "metrics.csv")  # the epochs it finished stay, for --resume
    assert "(`hw1 gradnorm`)" in (root / "report.md").read_text()


def test_report_and_suite_accept_a_root_holding_a_sweep(tmp_path: Path) -> None:
    root = tmp_path / "root"
    sweep = run_cli("sweep", "mnist", "--grid", "lr=0.05", "--workers", "1", "-q", "-o", root / "lr", "--dataset",
                    "digits", "--quick", "--model", "shallow", "--epochs", "1", "--subset", "200", "--test-subset", "100")
    assert sweep.exit_code == 0, sweep.output
    report = run_cli("report", "-o", root)
    assert report.exit_code == 0, report.output
    assert "## hw1 sweep mnist: lr (1) × 1 seeds; completed: 1 completed (folder lr)" in (root / "report.md").read_text()
    suite = run_cli(*SUITE, "--only", "gradnorm", "-o", root)  # the sweep folder is not a foreign file
    assert suite.exit_code == 0, suite.output
    text = (root / "report.md").read_text()
    assert "(folder lr)" in text and "gradnorm" in text.lower()
    assert sorted(p.name for p in root.iterdir()) == ["gradnorm", "index.html", "lr", "report.md"]


@pytest.mark.parametrize(
    ("free", "experiments", "device", "address", "expected"),
    [
        (2, 9, "cpu", None, 2),  # a quiet 2-core machine: two at once
        (1, 9, "cpu", None, 1),  # another process keeps one of the two cores busy: one after another
        (16, 3, "cpu", None, 3),  # never more workers than experiments
        (4, 1, "cpu", None, 1),  # one experiment runs in this process
        (4, 9, "cuda", None, 1),  # the experiments would share one GPU
        (4, 9, "cuda:1", None, 1),
        (4, 9, "cpu", "auto", 1),  # a Ray cluster's cores are not this machine's to count
    ],
)
def test_auto_workers_are_the_free_cores_on_the_cpu(monkeypatch: pytest.MonkeyPatch, free: int, experiments: int,
                                                   device: str, address: str | None, expected: int) -> None:
    from hw1cli.commands import suite_workers

    monkeypatch.setattr(suite_workers, "free_cores", lambda: free)
    assert suite_workers.auto_workers(address, experiments, device) == expected


def test_auto_device_asks_torch_whether_a_gpu_is_there(monkeypatch: pytest.MonkeyPatch) -> None:
    from hw1cli.commands import suite_workers

    monkeypatch.setattr(suite_workers, "free_cores", lambda: 2)
    monkeypatch.setattr(torch.cuda, "is_available", lambda: True)
    assert suite_workers.auto_workers(None, 9, "auto") == 1
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    assert suite_workers.auto_workers(None, 9, "auto") == 2


@pytest.mark.parametrize(("free", "device", "gpu", "expected", "calls"), [
    (2, "auto", False, 2, ["free cores", "pool", "torch"]),  # the pool's imports overlap torch's here
    (2, "auto", True, 1, ["free cores", "pool", "torch"]),  # a GPU: the server started early idles
    (1, "auto", False, 1, ["free cores"]),  # one free core: no pool, no torch import to find out
    (2, "cpu", False, 2, ["free cores", "pool"]),  # --device cpu: torch is not asked
])
def test_free_cores_are_counted_before_the_pool_starts_and_torch_imports(
    monkeypatch: pytest.MonkeyPatch, free: int, device: str, gpu: bool, expected: int, calls: list[str]
) -> None:
    """The fork server imports torch in a process of its own: started before the count, it would be counted
    as another program's load (one free core: no pool at all); started after the driver's own torch import,
    the two imports would run one after the other."""
    from hw1cli.commands import suite_workers

    seen: list[str] = []
    monkeypatch.setattr(suite_workers, "free_cores", lambda: seen.append("free cores") or free)
    monkeypatch.setattr(suite_workers, "uses_gpu", lambda _device: seen.append("torch") or gpu)
    assert suite_workers.auto_workers(None, 9, device, on_cpu_pool=lambda: seen.append("pool")) == expected
    assert seen == calls


def test_experiments_start_longest_first_and_unknown_ones_before_those() -> None:
    from hw1cli.commands.suite_workers import start_order

    assert start_order(["simulate", "mnist", "pca", "gradnorm", "sensitivity"]) == [
        "mnist", "simulate", "sensitivity", "pca", "gradnorm"]
    assert start_order(["pca", "new_one", "mnist"]) == ["new_one", "mnist", "pca"]


def test_the_start_order_counts_each_experiments_seeds() -> None:
    """With --seeds 3, mnist and params are the two longest: they start first, on two workers, where the
    default suite's order had run them one after the other on one (388 s against about 350 s)."""
    from types import SimpleNamespace

    from hw1cli.commands.suite_workers import expected_seconds, start_order

    names = ["simulate", "mnist", "pca", "gradnorm", "minratio", "randlabel", "params", "interpolate", "sensitivity"]
    three = {name: SimpleNamespace(seeds=3) for name in ("mnist", "simulate", "params")}
    assert start_order(names, three)[:3] == ["mnist", "params", "simulate"]
    assert start_order(names)[:2] == ["randlabel", "mnist"]
    # simulate's seeds share one stack: 3 of them cost about twice one, not three times
    assert expected_seconds("simulate", three["simulate"]) == pytest.approx(2 * expected_seconds("simulate"))
    assert expected_seconds("params", three["params"]) == pytest.approx(3 * expected_seconds("params"))
    assert expected_seconds("pca", SimpleNamespace(runs=8)) == expected_seconds("pca")  # no seeds option


def test_the_default_suite_runs_as_many_at_once_as_cores_are_free(monkeypatch: pytest.MonkeyPatch, tmp_path: Path,
                                                                  sequential: Path) -> None:
    from hw1cli.commands import suite, suite_workers

    monkeypatch.delenv("HW1_WORKERS")  # conftest pins 1: here the default itself is under test
    monkeypatch.setattr(suite_workers, "free_cores", lambda: 2)
    pools = []
    real = suite.run_concurrently

    def spy(backend, *args, **kwargs):
        pools.append(backend)
        return real(backend, *args, **kwargs)

    monkeypatch.setattr(suite, "run_concurrently", spy)
    root = tmp_path / "auto"
    result = run_cli(*SUITE, *(f"--only={n}" for n in EXPERIMENTS), "-o", root)
    assert result.exit_code == 0, result.output
    assert [(p.workers, p.threads) for p in pools] == [(2, threads_per_worker(2))]
    for name in EXPERIMENTS:  # the same files as one after another at a worker's thread count
        assert _csvs(root / name) == _csvs(sequential / name), name
