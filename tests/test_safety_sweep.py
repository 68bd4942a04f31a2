"""A sweep's folder safety (issue 25, items 1, 4, 5, 15): names from sweep.json are data, only the sweep's own
point folders are replaced, one sweep per folder, and every number and size is checked before anything starts."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from conftest import read_rows, run_cli
from test_sweep import ROOT, TINY

from hw1cli.sweep.spec import Axis
from hw1cli.sweep.table import POINT_MARKER, spec_record

OLD_ID = "0123456789abcdef0123456789abcdef"


def sweep(out: Path, *args: str):
    return run_cli("sweep", "mnist", "--workers", "1", "-q", "-o", out, *args, *TINY)


def earlier_sweep(out: Path, point_names: list[str], grid: dict[str, list[str]] | None = None) -> None:
    """A sweep.json as an earlier sweep (or someone editing it) left it."""
    axes = [Axis(name, f"--{name}", tuple(values)) for name, values in (grid or {"lr": ["0.9"]}).items()]
    record = {"sweep_id": OLD_ID, "spec": spec_record("mnist", axes, [0], list(TINY)), "status": "interrupted",
              "point_names": point_names}
    out.mkdir(parents=True, exist_ok=True)
    (out / "sweep.json").write_text(json.dumps(record))


def point_of(out: Path, name: str, sweep_id: str = OLD_ID) -> Path:
    """A point folder an hw1 sweep made: run.json and the marker with its id."""
    folder = out / name
    folder.mkdir(parents=True)
    (folder / "run.json").write_text(json.dumps({"command": "mnist", "status": "failed"}))
    (folder / POINT_MARKER).write_text(sweep_id)
    return folder


def contents(folder: Path) -> dict[str, bytes | None]:
    return {str(p.relative_to(folder)): None if p.is_dir() else p.read_bytes() for p in sorted(folder.rglob("*"))}


# -- item 1: names read from sweep.json never reach outside the folder ---------------------------------
def test_crafted_point_names_are_ignored_and_nothing_of_the_users_goes(tmp_path: Path) -> None:
    parent = tmp_path / "P"  # an hw1 run folder, holding the sweep folder
    out, outside = parent / "sub", tmp_path / "outside"
    for folder in (parent, outside):
        folder.mkdir()
        (folder / "run.json").write_text('{"command": "mnist", "status": "completed"}')
        (folder / "thesis.txt").write_text("mine")
    earlier_sweep(out, [".", "..", str(outside), "../../outside", "sub/..", "", "lr=0.8_seed=0", "lr=0.9_seed=0", 7])
    (out / "notes.txt").write_text("keep me")
    (out / "run.json").write_text('{"command": "mnist", "status": "completed"}')
    (out / "lr=0.8_seed=0").mkdir()  # listed, named like a point, but no marker: the user's
    (out / "lr=0.8_seed=0" / "draft.tex").write_text("mine")
    point_of(out, "lr=0.9_seed=0")  # the earlier sweep's own point: replaced by the new sweep
    point_of(out, ".hw1-stage-12-0123456789ab")  # a point a kill left half swapped in: provably hw1's, goes
    (out / ".hw1-stage-13-0123456789ab").mkdir()  # hw1's name, but no marker: not provably hw1's, stays
    before = {p: contents(p) for p in (parent, outside)}
    result = sweep(out, "--grid", "lr=0.05", "--force")
    assert result.exit_code == 0, result.output
    assert (out / "notes.txt").read_text() == "keep me" and (out / "lr=0.8_seed=0" / "draft.tex").read_text() == "mine"
    assert contents(outside) == before[outside]
    assert {k: v for k, v in contents(parent).items() if not k.startswith("sub")} == \
        {k: v for k, v in before[parent].items() if not k.startswith("sub")}
    assert not (out / "lr=0.9_seed=0").exists() and not (out / ".hw1-stage-12-0123456789ab").exists()
    assert (out / ".hw1-stage-13-0123456789ab").is_dir()
    assert [r["point"] for r in read_rows(out / "sweep.csv")] == ["lr=0.05_seed=0"]
    record = json.loads((out / "sweep.json").read_text())
    assert (out / "lr=0.05_seed=0" / POINT_MARKER).read_text() == record["sweep_id"] != OLD_ID


# -- item 5: a user's folder named like a point is never replaced ---------------------------------------
@pytest.mark.parametrize("how", ["force-over-a-sweep", "force-over-user-files", "resume", "point-folder-is-a-link"])
def test_a_users_folder_named_like_a_point_is_refused(tmp_path: Path, how: str) -> None:
    out, name = tmp_path / "S", "lr=0.001_seed=0"
    if how != "force-over-user-files":
        earlier_sweep(out, [name], {"lr": ["0.001"]})
    if how == "point-folder-is-a-link":
        (tmp_path / "elsewhere" / "thesis").mkdir(parents=True)
        (tmp_path / "elsewhere" / POINT_MARKER).write_text(OLD_ID)  # even marked: a link is never hw1's
        (tmp_path / "elsewhere" / "thesis" / "chapter1.tex").write_text("mine")
        out.mkdir(exist_ok=True)
        (out / name).symlink_to(tmp_path / "elsewhere")
    else:
        (out / name / "thesis").mkdir(parents=True)
        (out / name / "thesis" / "chapter1.tex").write_text("mine")
    before = contents(out) if how != "point-folder-is-a-link" else None
    result = sweep(out, "--grid", "lr=0.001", "--resume" if how == "resume" else "--force")
    assert result.exit_code == 2, result.output
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and str(out / name) in lines[0] and "not a point folder of this sweep" in lines[0]
    if before is not None:
        assert contents(out) == before  # nothing written, nothing set aside
    assert (out / name / "thesis" / "chapter1.tex").read_text() == "mine"


# -- item 4: one sweep per folder -------------------------------------------------------------------------
def test_a_second_sweep_into_a_running_sweeps_folder_is_refused(tmp_path: Path) -> None:
    out = tmp_path / "S"
    args = ["--grid", "lr=0.05", "--workers", "1", "-q", "-o", str(out), *TINY]
    env = {**os.environ, "PYTHONPATH": str(ROOT), "HW1_TEST_PAUSE_AT": "sweep-started", "HW1_TEST_PAUSE_SECONDS": "120"}
    first = subprocess.Popen([sys.executable, "-m", "hw1cli", "sweep", "mnist", *args], env=env,
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + 120
        while not (out / "sweep.json").exists():  # the first sweep holds its folder and has written its record
            assert first.poll() is None and time.monotonic() < deadline, first.stderr.read() if first.stderr else ""
            time.sleep(0.1)
        before = contents(out)
        for extra in (["--grid", "lr=0.01,0.02", "--force"], ["--grid", "lr=0.05", "--resume"], ["--grid", "lr=0.05", "--force"]):
            started = time.monotonic()
            result = sweep(out, *extra)
            assert result.exit_code == 2, (extra, result.output)
            lines = result.stderr.strip().splitlines()
            assert len(lines) == 1 and f"sweep folder {out} is in use by another hw1 run" in lines[0], lines
            assert time.monotonic() - started < 30  # at once: it did not wait for the first sweep
        assert contents(out) == before and first.poll() is None
    finally:
        first.send_signal(signal.SIGKILL)
        first.communicate(timeout=30)
    # the kernel dropped the killed sweep's lock: --resume proceeds at once and runs the point
    result = sweep(out, "--grid", "lr=0.05", "--resume")
    assert result.exit_code == 0, result.output
    assert [r["status"] for r in read_rows(out / "sweep.csv")] == ["completed"]


# -- item 15: every number and size checked before anything starts ------------------------------------
@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("--cpus-per-run", "nan"), "--cpus-per-run must be a number above 0 and at most"),
        (("--cpus-per-run", "inf"), "--cpus-per-run must be a number above 0 and at most"),
        (("--cpus-per-run", "0"), "not 0"),
        (("--cpus-per-run", "-1"), "not -1"),
        (("--cpus-per-run", "1000000"), f"at most {os.cpu_count()} (the {os.cpu_count()} CPUs of this machine), not 1e+06"),
        (("--backend", "ray", "--gpus-per-run", "nan"), "--gpus-per-run must be a number from 0 to 64, not nan"),
        (("--backend", "ray", "--gpus-per-run", "1.5"), "whole number"),
        (("--backend", "ray", "--workers", "1", "--cpus-per-run", "2"), "the 1 CPUs of the Ray started here"),
        (("--workers", "1000000"), "--workers must be between 1 and"),
        (("--seeds", "1000000000"), "the sweep would have 1,000,000,000 points (1 x 1000000000 seeds); at most 10,000"),
        (("--grid", "batch-size=" + ",".join(str(i) for i in range(1, 201)), "--seeds", "51"), "10,200 points (1 x 200 x 51 seeds)"),
        (("--grid", "data-dir=" + "d" * 300), "its folder name would be 324 characters, over the file system's limit of 255"),
    ],
)
def test_bad_numbers_and_sizes_are_refused_before_anything_starts(tmp_path: Path, args: tuple[str, ...], message: str) -> None:
    out = tmp_path / "S"
    started = time.monotonic()
    result = run_cli("sweep", "mnist", "--grid", "lr=0.05", "-o", out, *args, *TINY)
    assert result.exit_code == 2, result.output
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and message in lines[0], lines
    assert not out.exists() and "Traceback" not in result.output
    assert time.monotonic() - started < 20  # refused from the counts, not after planning a huge grid


def test_an_empty_sweep_folder_name_is_refused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    result = run_cli("sweep", "mnist", "--grid", "lr=0.05", "-o", "", *TINY)
    assert result.exit_code == 2 and "-o needs a folder name" in result.stderr
    assert list(tmp_path.iterdir()) == []
