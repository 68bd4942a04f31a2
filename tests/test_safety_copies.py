"""Rebuilding a run folder from copies (issue 25, item 6) and hw1's temporary names (item 7): nothing in a
folder that is not hw1's own plain file is removed, replaced, followed or changed in mode."""

from __future__ import annotations

import json
import os
import stat
from collections.abc import Iterator
from pathlib import Path

import pytest
from conftest import run_cli

from hw1cli.files import atomic_write_text, temp_name
from hw1cli.run_copy import resume_inputs, write_back

SUITE = ("all", "--quick", "--dataset", "digits", "-q", "--only", "gradnorm")


def hostile_extras(folder: Path, outside: Path) -> None:
    """What a user may keep beside a run: a FIFO, an empty folder, a link out, a private (0600) file."""
    os.mkfifo(folder / "pipe")
    (folder / "empty").mkdir()
    (outside / "secret.csv").write_text("a,b\n1,2\n")
    (folder / "link.csv").symlink_to(outside / "secret.csv")
    (folder / "notes.txt").write_text("private")
    (folder / "notes.txt").chmod(0o600)


def check_extras(folder: Path, outside: Path) -> None:
    assert stat.S_ISFIFO(os.lstat(folder / "pipe").st_mode)
    assert (folder / "empty").is_dir() and not any((folder / "empty").iterdir())
    assert (folder / "link.csv").is_symlink() and os.readlink(folder / "link.csv") == str(outside / "secret.csv")
    assert (outside / "secret.csv").read_text() == "a,b\n1,2\n"
    assert stat.S_IMODE(os.stat(folder / "notes.txt").st_mode) == 0o600 and (folder / "notes.txt").read_text() == "private"


@pytest.fixture
def ray_cluster() -> Iterator[None]:
    ray = pytest.importorskip("ray")
    from hw1cli.commands.suite_workers import threads_per_worker

    ray.init(num_cpus=threads_per_worker(1), include_dashboard=False, log_to_driver=False, configure_logging=False)
    yield
    ray.shutdown()


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="FIFOs")
def test_ray_resume_keeps_fifos_empty_folders_links_and_modes(ray_cluster: None, tmp_path: Path) -> None:
    root, outside = tmp_path / "root", tmp_path / "outside"
    outside.mkdir()
    assert run_cli(*SUITE, "-o", root).exit_code == 0
    folder = root / "gradnorm"
    record = json.loads((folder / "run.json").read_text())
    (folder / "run.json").write_text(json.dumps({**record, "status": "interrupted"}))
    (folder / "summary.csv").chmod(0o600)  # hw1's own file, made private by the user: rewritten, still private
    hostile_extras(folder, outside)
    assert set(resume_inputs(folder)) >= {"run.json", "metrics.csv", "summary.csv"}
    assert not {"pipe", "link.csv", "notes.txt"} & set(resume_inputs(folder))  # only the run's own files travel
    result = run_cli(*SUITE, "--backend", "ray", "--resume", "-o", root)
    assert result.exit_code == 0, result.output
    assert json.loads((folder / "run.json").read_text())["status"] == "completed"
    check_extras(folder, outside)
    assert stat.S_IMODE(os.stat(folder / "summary.csv").st_mode) == 0o600


def test_write_back_replaces_only_plain_files_and_drops_only_the_runs_stale_ones(tmp_path: Path) -> None:
    folder, outside = tmp_path / "run", tmp_path / "outside"
    folder.mkdir()
    outside.mkdir()
    (folder / "run.json").write_text(json.dumps({"status": "interrupted", "files": ["old.png", "claims.csv", "../x"]}))
    (folder / "old.png").write_bytes(b"stale")
    (outside / "claims.csv").write_text("theirs")
    (folder / "claims.csv").symlink_to(outside / "claims.csv")  # the run's name, but a link: never written through
    (tmp_path / "x").write_text("outside, listed as ../x")
    hostile_extras(folder, outside)
    left = write_back(folder, {"metrics.csv": b"m", "claims.csv": b"new", "pipe": b"p", "../escape": b"e",
                               "run.json": b'{"status": "completed", "files": ["claims.csv"]}'})
    assert sorted(left) == ["../escape", "claims.csv", "pipe"]
    assert not (folder / "old.png").exists()  # the earlier run's file that the new run did not write
    assert (outside / "claims.csv").read_text() == "theirs" and (tmp_path / "x").exists() and not (tmp_path / "escape").exists()
    assert (folder / "metrics.csv").read_bytes() == b"m"
    check_extras(folder, outside)


# -- item 7 ---------------------------------------------------------------------------------------------
def test_only_hw1s_own_temporary_names_are_cleaned_up(tmp_path: Path) -> None:
    out = tmp_path / "g"
    args = ["gradnorm", "--iterations", "5", "-q", "-o", out]
    assert run_cli(*args).exit_code == 0
    leftover = temp_name("tmp", ".tmp")  # what a kill between writing and renaming leaves
    (out / leftover).write_bytes(b"half a png")
    users = [".thesis.20241201.tmp", ".gradnorm.png.k2j4_x9a.tmp", ".write-test.abcd1234", ".hw1-tmp-1-xyz.tmp",
             ".hw1-tmp-12-0123456789ab.tmp.bak"]
    for name in users:
        (out / name).write_text("the user's")
    assert run_cli(*args).exit_code == 0
    assert not (out / leftover).exists()
    assert all((out / name).read_text() == "the user's" for name in users)


def test_a_rewritten_file_keeps_its_mode_and_a_new_one_gets_the_umasks(tmp_path: Path) -> None:
    private, new = tmp_path / "private.csv", tmp_path / "new.csv"
    private.write_text("old")
    private.chmod(0o600)
    atomic_write_text(private, "new")
    atomic_write_text(new, "new")
    umask = os.umask(0)
    os.umask(umask)
    assert stat.S_IMODE(private.stat().st_mode) == 0o600 and private.read_text() == "new"
    assert stat.S_IMODE(new.stat().st_mode) == 0o666 & ~umask
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []
