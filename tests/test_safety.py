"""The run folder's safety promises under kills, hostile folders and concurrent runs (issue 16, items 1-3, 9).

Kills at a chosen point use the HW1_TEST_KILL_AT hook (hw1cli/faults.py): the process SIGKILLs itself there.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import folder_contents, read_rows, run_cli, without_timing

from hw1cli.files import CsvLog
from hw1cli.locking import FolderLock

GRADNORM = ["gradnorm", "--iterations", "30", "-q"]
# gradnorm on MNIST files that are not there: fails (exit 1) after the folder was prepared for the new run
FAILING_GRADNORM = ["gradnorm", "--task", "mnist", "--data-dir", "/nonexistent/hw1", "--no-download", "-q"]


def killed_at(point: str, args: list[str], out: Path) -> None:
    env = {**os.environ, "HW1_TEST_KILL_AT": point}
    proc = subprocess.run([sys.executable, "-m", "hw1cli", *args, "-o", str(out)], env=env, capture_output=True, timeout=300)
    assert proc.returncode == -9, proc.stderr  # it really died at that point


def mark_interrupted(out: Path) -> None:
    record = json.loads((out / "run.json").read_text())
    (out / "run.json").write_text(json.dumps({**record, "status": "interrupted"}))


# -- item 1: a finished row, once on disk, is never absent from disk ---------------------------------------
def test_a_kill_as_resume_opens_the_log_keeps_every_row(tmp_path: Path) -> None:
    out = tmp_path / "g"
    assert run_cli(*GRADNORM, "-o", out).exit_code == 0
    rows = without_timing(read_rows(out / "metrics.csv"))
    mark_interrupted(out)
    killed_at("log-opened", [*GRADNORM, "--resume"], out)
    assert without_timing(read_rows(out / "metrics.csv")) == rows  # nothing truncated
    assert run_cli(*GRADNORM, "-o", out, "--resume").exit_code == 0
    assert without_timing(read_rows(out / "metrics.csv")) == rows


def test_resume_appends_and_cuts_only_a_torn_line(tmp_path: Path) -> None:
    path = tmp_path / "metrics.csv"
    path.write_text("a,b\n1,2\n3,4\n5,")  # a kill tore the last row
    log = CsvLog(path, ["a", "b"], keys=["a"], append=True)
    assert log.rows == 2 and log.has({"a": 3}) and not log.has({"a": 5})
    log.write({"a": 3, "b": 4})  # a replayed row: not written twice
    log.write({"a": 5, "b": 6})
    log.close()
    assert path.read_text() == "a,b\n1,2\n3,4\n5,6\n"


def test_a_kill_while_setting_the_previous_run_aside_then_a_failed_rerun_loses_nothing(tmp_path: Path) -> None:
    out = tmp_path / "g"
    assert run_cli(*GRADNORM, "-o", out).exit_code == 0
    before = folder_contents(out)
    killed_at("set-aside", GRADNORM, out)  # one file already moved into .previous.partial/, the rest not
    failed = run_cli(*FAILING_GRADNORM, "-o", out)
    assert failed.exit_code == 1 and "unchanged" in failed.stderr
    assert folder_contents(out) == before


def test_resume_with_the_log_gone_but_checkpoints_present_is_refused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    out = tmp_path / "m"
    args = ["mnist", "--dataset", "digits", "--quick", "--model", "shallow", "--epochs", "3", "-q", "-o", out]
    write = CsvLog.write

    def interrupt_at_epoch_2(self: CsvLog, row: dict) -> None:
        if row.get("epoch") == 2:
            raise KeyboardInterrupt  # Ctrl-C after epoch 1's checkpoint was saved
        write(self, row)

    monkeypatch.setattr(CsvLog, "write", interrupt_at_epoch_2)
    assert run_cli(*args).exit_code == 130
    monkeypatch.setattr(CsvLog, "write", write)
    assert list((out / "checkpoints").glob("*.pt"))
    (out / "metrics.csv").unlink()
    refused = run_cli(*args, "--resume")
    assert refused.exit_code == 1 and "rerun without --resume" in refused.stderr, refused.output
    assert not (out / "metrics.csv").exists() or read_rows(out / "metrics.csv") == []
    # the run itself stays resumable once the log is back; a fresh run starts over
    again = run_cli(*args)
    assert again.exit_code == 0 and [r["epoch"] for r in read_rows(out / "metrics.csv")] == ["1", "2", "3"]


# -- item 2: hw1 removes or overwrites only plain files it wrote, inside the folder -------------------------
def test_force_with_a_late_usage_error_keeps_the_users_files(tmp_path: Path) -> None:
    out = tmp_path / "mine"
    out.mkdir()
    (out / "summary.csv").write_text("my,summary\n")
    (out / "metrics.csv").write_text("my,metrics\n")
    (out / "loss.png").write_text("my figure")
    before = folder_contents(out)
    result = run_cli("mnist", "--dataset", "digits", "--quick", "--subset", "99999", "--force", "-q", "-o", out)
    assert result.exit_code == 2 and "--subset" in result.stderr
    assert folder_contents(out) == before


def test_force_keeps_the_users_files_until_the_run_stands(tmp_path: Path) -> None:
    out = tmp_path / "mine"
    out.mkdir()
    (out / "summary.csv").write_text("my,summary\n")
    failed = run_cli(*FAILING_GRADNORM, "--force", "-o", out)
    assert failed.exit_code == 1 and (out / "summary.csv").read_text() == "my,summary\n"
    assert run_cli(*GRADNORM, "--force", "-o", out).exit_code == 0
    assert read_rows(out / "summary.csv")[0]["task"] == "sinc" and not (out / ".previous").exists()


@pytest.mark.parametrize("name", ["checkpoints", ".previous"])
def test_the_users_own_checkpoints_or_previous_folder_is_not_hws(tmp_path: Path, name: str) -> None:
    out = tmp_path / "mine"
    (out / name).mkdir(parents=True)
    (out / name / "notes.txt").write_text("keep me")
    result = run_cli(*GRADNORM, "-o", out)
    assert result.exit_code == 2 and name in result.stderr and result.stderr.count("\n") == 1
    assert (out / name / "notes.txt").read_text() == "keep me"
    if name == ".previous":  # hw1 would have to replace it: refused even with --force
        assert run_cli(*GRADNORM, "--force", "-o", out).exit_code == 2
        assert (out / name / "notes.txt").read_text() == "keep me"


def test_files_outside_the_folder_listed_in_run_json_are_never_touched(tmp_path: Path) -> None:
    out = tmp_path / "g"
    assert run_cli(*GRADNORM, "-o", out).exit_code == 0
    outside, absolute = tmp_path / "outside.txt", tmp_path / "absolute.txt"
    outside.write_text("outside")
    absolute.write_text("absolute")
    record = json.loads((out / "run.json").read_text())
    record["files"] += ["../outside.txt", str(absolute)]
    (out / "run.json").write_text(json.dumps(record))
    assert run_cli(*FAILING_GRADNORM, "-o", out).exit_code == 1
    assert run_cli(*GRADNORM, "-o", out).exit_code == 0
    assert outside.read_text() == "outside" and absolute.read_text() == "absolute"


def test_force_never_writes_through_a_link(tmp_path: Path) -> None:
    out = tmp_path / "mine"
    out.mkdir()
    target = tmp_path / "precious.csv"
    target.write_text("precious\n")
    (out / "metrics.csv").symlink_to(target)
    assert run_cli(*GRADNORM, "--force", "-o", out).exit_code == 0
    assert target.read_text() == "precious\n"
    assert not (out / "metrics.csv").is_symlink() and len(read_rows(out / "metrics.csv")) == 30


@pytest.mark.parametrize("name", ["metrics.csv", "run.log"])
def test_resume_refuses_a_log_that_is_a_link(tmp_path: Path, name: str) -> None:
    out = tmp_path / "g"
    assert run_cli(*GRADNORM, "-o", out).exit_code == 0
    mark_interrupted(out)
    target = tmp_path / "precious.csv"
    target.write_text("precious\n")
    (out / name).unlink()
    (out / name).symlink_to(target)
    result = run_cli(*GRADNORM, "-o", out, "--resume")
    assert result.exit_code == 1 and f"{name} is a symbolic link" in result.stderr, result.output
    assert target.read_text() == "precious\n"


# -- item 3: one process per folder -------------------------------------------------------------------------
def test_a_folder_in_use_is_refused(tmp_path: Path) -> None:
    out = tmp_path / "g"
    assert run_cli(*GRADNORM, "-o", out).exit_code == 0
    before = folder_contents(out)
    lock = FolderLock(out)  # another process's run, as far as flock is concerned (its own open file)
    try:
        for args in ([*GRADNORM, "--resume"], [*GRADNORM, "--iterations", "40"]):
            result = run_cli(*args, "-o", out)
            assert result.exit_code == 1 and "in use" in result.stderr and result.stderr.count("\n") == 1
        assert folder_contents(out) == before
    finally:
        lock.release()
    assert run_cli(*GRADNORM, "--iterations", "40", "-o", out).exit_code == 0


def test_a_suite_root_in_use_is_refused(tmp_path: Path) -> None:
    root = tmp_path / "suite"
    root.mkdir()
    lock = FolderLock(root)
    try:
        result = run_cli("all", "--quick", "--only", "gradnorm", "-q", "-o", root)
        assert result.exit_code == 1 and "in use" in result.stderr
        assert list(root.iterdir()) == []
    finally:
        lock.release()


# -- item 9: leftovers and words ----------------------------------------------------------------------------
def test_temporary_files_of_a_killed_write_are_removed(tmp_path: Path) -> None:
    out = tmp_path / "g"
    assert run_cli(*GRADNORM, "-o", out).exit_code == 0
    (out / ".hw1-tmp-4242-0123456789ab.tmp").write_bytes(b"half a png")
    (out / ".notes.tmp").write_text("the user's")  # not hw1's temporary-name pattern: kept
    assert run_cli(*GRADNORM, "-o", out).exit_code == 0
    assert not (out / ".hw1-tmp-4242-0123456789ab.tmp").exists() and (out / ".notes.tmp").exists()


def test_an_empty_output_name_is_refused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    result = run_cli(*GRADNORM, "-o", "")
    assert result.exit_code == 2 and "-o needs a folder name" in result.stderr
    assert list(tmp_path.iterdir()) == []


def test_a_corrupt_run_json_is_called_corrupt(tmp_path: Path) -> None:
    out = tmp_path / "g"
    assert run_cli(*GRADNORM, "-o", out).exit_code == 0
    (out / "run.json").write_text('{"command": "gradnorm", "stat')
    for extra in ([], ["--resume"]):
        result = run_cli(*GRADNORM, *extra, "-o", out)
        assert result.exit_code == 2 and "corrupt" in result.stderr and "did not write" not in result.stderr
    assert run_cli(*GRADNORM, "--force", "-o", out).exit_code == 0
