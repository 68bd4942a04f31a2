"""`hw1 sweep` on the local process pool: grid checks, a point equals the command alone, faults, --resume."""

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
import torch
from conftest import read_rows, run_cli, without_timing

from hw1cli import registry
from hw1cli.files import read_csv
from hw1cli.sweep.keys import key_numbers
from hw1cli.sweep.spec import plan_points
from hw1cli.sweep.table import POINT_MARKER

# A point that trains in about a second once the worker has imported torch.
TINY = ("--dataset", "digits", "--quick", "--model", "shallow", "--epochs", "1", "--subset", "200", "--test-subset", "100")
ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def small_sweep(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("sweep") / "lr"
    result = run_cli("sweep", "mnist", "--grid", "lr=0.05,0.01", "--workers", "2", "-q", "-o", out, *TINY)
    assert result.exit_code == 0, result.output
    return out


@pytest.mark.parametrize(
    ("grid", "extra", "message"),
    [
        ("lr", (), "--grid takes NAME=V1,V2"),
        ("learning-rate=0.1", (), "has no option to sweep by that name"),
        ("seed=1,2", (), "use --seeds N"),
        ("lr=0.1,abc", (), "sweep point lr=abc (seed 0): --lr must be a number, not 'abc'"),
        ("lr=0.1,0.1", (), "repeats a value"),
        ("lr=0.1,0.2", ("--lr", "0.3"), "--lr is both swept (--grid) and fixed"),
        ("optimizer=sgd,adam", ("--momentum", "0.5"), "sweep point optimizer=adam (seed 0): --momentum has no effect"),
        ("batch-size=16,0", (), "sweep point batch_size=0 (seed 0)"),
    ],
)
def test_bad_grid_is_refused_before_anything_runs(tmp_path: Path, grid: str, extra: tuple[str, ...], message: str) -> None:
    out = tmp_path / "sweep"
    result = run_cli("sweep", "mnist", "--grid", grid, "-o", out, *TINY, *extra)
    assert result.exit_code == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and message in lines[0], result.stderr
    assert not out.exists()


def test_sweep_options_are_checked(tmp_path: Path) -> None:
    for args, message in [
        (("--backend", "dask"), "unknown --backend 'dask' (choose from local, ray)"),
        (("--gpus-per-run", "0.5"), "need --backend ray"),
        (("--seeds", "0"), "--seeds must be at least 1"),
        (("--", "-o", "elsewhere"), "-o is set by the sweep"),
    ]:
        result = run_cli("sweep", "mnist", "--grid", "lr=0.1", "-o", tmp_path / "s", *args)
        assert result.exit_code == 2 and message in result.stderr, (args, result.stderr)
    result = run_cli("sweep", "nosuch", "--grid", "lr=0.1")
    assert result.exit_code == 2 and "unknown EXPERIMENT 'nosuch'" in result.stderr


def test_plan_orders_points_and_names_folders() -> None:
    from hw1cli.sweep.spec import Axis

    axes = [Axis("lr", "--lr", ("0.1", "0.01")), Axis("model", "--model", ("shallow", "deep"))]
    points = plan_points("mnist", axes, ["--epochs", "1"], [3, 4])
    assert [p.name for p in points[:3]] == ["lr=0.1_model=shallow_seed=3", "lr=0.1_model=shallow_seed=4", "lr=0.1_model=deep_seed=3"]
    assert points[2].argv == ("mnist", "--epochs", "1", "--lr", "0.1", "--model", "deep", "--seed", "3")
    assert len(points) == 8 and len({p.name for p in points}) == 8


def test_key_numbers_label_rows_and_average_repeats() -> None:
    rows = [{"model": "shallow", "test_acc": "0.5"}, {"model": "deep", "test_acc": "0.75"}]
    assert key_numbers(registry.get("mnist").key_numbers, rows)["test_acc[deep]"] == 0.75
    # simulate's own seeds share a label and are averaged; a single label keeps plain names
    sim = [{"function": "sinc", "depth": "1", "final_loss": v, "converged_epoch": ""} for v in ("0.1", "0.3")]
    assert key_numbers(registry.get("simulate").key_numbers, sim) == {"final_loss": pytest.approx(0.2), "converged_epoch": None}


def test_point_equals_the_command_run_alone(small_sweep: Path, tmp_path: Path) -> None:
    alone = tmp_path / "alone"
    # The point ran on one CPU thread (--cpus-per-run 1); the command alone does too, since CPU reductions
    # split over another number of threads add in another order (last-bit differences).
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        result = run_cli("mnist", *TINY, "--lr", "0.01", "--seed", "0", "-q", "-o", alone)
    finally:
        torch.set_num_threads(threads)
    assert result.exit_code == 0, result.output
    point = small_sweep / "lr=0.01_seed=0"
    # the same files, besides the marker that proves the folder is the sweep's own (--force may replace it)
    assert sorted(p.name for p in point.iterdir() if p.name != POINT_MARKER) == sorted(p.name for p in alone.iterdir())
    assert without_timing(read_rows(point / "metrics.csv")) == without_timing(read_rows(alone / "metrics.csv"))
    assert without_timing(read_rows(point / "summary.csv")) == without_timing(read_rows(alone / "summary.csv"))
    run = json.loads((point / "run.json").read_text())
    assert run["status"] == "completed" and run["argv"][-2:] == ["-o", str(point)]  # how to rerun the point alone


def test_table_record_and_figure(small_sweep: Path) -> None:
    rows = read_rows(small_sweep / "sweep.csv")
    assert [(r["lr"], r["seed"], r["status"]) for r in rows] == [("0.05", "0", "completed"), ("0.01", "0", "completed")]
    summary = read_rows(small_sweep / "lr=0.05_seed=0" / "summary.csv")[0]
    assert float(rows[0]["test_acc"]) == float(summary["test_acc"])
    record = json.loads((small_sweep / "sweep.json").read_text())
    assert record["spec"]["grid"] == {"lr": ["0.05", "0.01"]} and record["counts"] == {"completed": 2}
    assert record["backend"]["name"] == "local" and record["versions"]["torch"]
    assert (small_sweep / "sweep_vs_lr.png").read_bytes()[:4] == b"\x89PNG"


def test_a_failed_point_is_recorded_and_the_rest_go_on(tmp_path: Path) -> None:
    out = tmp_path / "s"
    result = run_cli("sweep", "mnist", "--grid", "dataset=mnist,digits", "--workers", "1", "-q", "-o", out,
                     *TINY[2:], "--data-dir", tmp_path / "no-data", "--no-download")
    assert result.exit_code == 1
    rows = {r["dataset"]: r for r in read_rows(out / "sweep.csv")}
    assert rows["digits"]["status"] == "completed" and rows["mnist"]["status"] == "failed"
    assert "MNIST" in rows["mnist"]["error"] and "Error: point dataset=mnist_seed=0" in result.stderr
    # resuming reruns the failed point only (it fails again), the finished one is kept as it was
    before = (out / "dataset=digits_seed=0" / "run.json").read_bytes()
    again = run_cli("sweep", "mnist", "--grid", "dataset=mnist,digits", "--workers", "1", "-o", out, "--resume",
                    *TINY[2:], "--data-dir", tmp_path / "no-data", "--no-download")
    assert again.exit_code == 1 and (out / "dataset=digits_seed=0" / "run.json").read_bytes() == before
    # without a terminal (a pipe, a CI log) each point ends in a line, counted with the ones kept
    assert "hw1 sweep mnist: point dataset=mnist_seed=0 failed (2/2)" in again.stderr, again.stderr


def test_existing_sweep_needs_resume_or_force(small_sweep: Path) -> None:
    result = run_cli("sweep", "mnist", "--grid", "lr=0.05,0.01", "-o", small_sweep, *TINY)
    assert result.exit_code == 2 and "--resume" in result.stderr
    result = run_cli("sweep", "mnist", "--grid", "lr=0.05,0.02", "--resume", "-o", small_sweep, *TINY)
    assert result.exit_code == 2 and "these differ: grid" in result.stderr


def test_sigterm_keeps_finished_points_and_resume_runs_only_the_rest(tmp_path: Path) -> None:
    out = tmp_path / "s"
    argv = [sys.executable, "-m", "hw1cli", "sweep", "mnist", "--grid", "lr=0.05,0.04,0.03", "--workers", "1",
            "-q", "-o", str(out), *TINY]
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    process = subprocess.Popen(argv, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 120
    while not read_csv(out / "sweep.csv"):  # the first point has finished once the table has a row
        assert process.poll() is None and time.monotonic() < deadline, "the sweep ended before a point finished"
        time.sleep(0.2)
    process.send_signal(signal.SIGTERM)
    _, stderr = process.communicate(timeout=60)
    assert process.returncode == 143, stderr
    kept = {r["point"]: r for r in read_rows(out / "sweep.csv")}
    assert 1 <= len(kept) < 3 and all(r["status"] == "completed" for r in kept.values())
    assert json.loads((out / "sweep.json").read_text())["status"] == "interrupted"
    before = {name: (out / name / "run.json").read_bytes() for name in kept}
    result = run_cli("sweep", "mnist", "--grid", "lr=0.05,0.04,0.03", "--workers", "1", "--resume", "-q", "-o", out, *TINY)
    assert result.exit_code == 0, result.output
    rows = read_rows(out / "sweep.csv")
    assert [r["lr"] for r in rows] == ["0.05", "0.04", "0.03"] and all(r["status"] == "completed" for r in rows)
    assert {name: (out / name / "run.json").read_bytes() for name in kept} == before  # not run again
    assert all(rows[i] == kept[r["point"]] for i, r in enumerate(rows) if r["point"] in kept)
    assert not [p for p in out.iterdir() if p.name.startswith(".")]  # no staging folder left behind


def test_report_shows_the_sweep(small_sweep: Path) -> None:
    from hw1cli.report import write_report

    html_path, md_path = write_report(small_sweep.parent)
    text = md_path.read_text()
    assert "## hw1 sweep mnist: lr (2) × 1 seeds; completed: 2 completed (folder lr)" in text
    accuracy = float(read_rows(small_sweep / "sweep.csv")[1]["test_acc"])
    assert f"| 0.01 | 1 | {accuracy:.4g} |" in text
    assert "sweep_vs_lr.png" in html_path.read_text()


def test_resume_rebuilds_kept_rows_from_the_points_not_from_an_edited_table(small_sweep: Path, tmp_path: Path) -> None:
    out = tmp_path / "copy"
    shutil.copytree(small_sweep, out)
    rows = read_rows(out / "sweep.csv")
    table = (out / "sweep.csv").read_text()
    # an edited header: the swept column renamed, a key number's name that matplotlib would parse as math
    header, rest = table.split("\n", 1)
    (out / "sweep.csv").write_text(header.replace(",lr,", ",lx,").replace("test_acc", "$\\evil{$", 1) + "\n" + rest)
    result = run_cli("sweep", "mnist", "--grid", "lr=0.05,0.01", "--workers", "2", "--resume", "-q", "-o", out, *TINY)
    assert result.exit_code == 0, result.output
    assert read_rows(out / "sweep.csv") == rows  # the table as the points say, whatever the edit
    assert (out / "sweep_vs_lr.png").stat().st_size > 0
