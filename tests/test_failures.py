"""A failing machine, a hostile environment and signals: one line, the right exit code, a final run.json
(issue 16, items 4, 7, 8). Disk faults are injected through a patched write (and a real tiny tmpfs where
the test may mount one)."""

from __future__ import annotations

import errno
import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from conftest import read_rows, run_cli

from hw1cli.files import CsvLog

GRADNORM = ["gradnorm", "--iterations", "30", "-q"]
LONG_GRADNORM = ["gradnorm", "--iterations", "200000", "-q"]


def fail_writes_at(monkeypatch: pytest.MonkeyPatch, row: int, error: OSError | None = None, *, folder: str = "",
                   remove: bool = False) -> None:
    """From metrics row `row` on (in a folder of that name, if given), writing fails with `error`, or the
    output folder is deleted (`remove`)."""
    write = CsvLog.write
    count = {"rows": 0}

    def faulty(self: CsvLog, values: dict) -> None:
        if folder and self.path.parent.name != folder:
            return write(self, values)
        count["rows"] += 1
        if count["rows"] == row:
            if remove:
                shutil.rmtree(self.path.parent)
            else:
                raise error
        write(self, values)

    monkeypatch.setattr(CsvLog, "write", faulty)


def one_error_line(stderr: str) -> str:
    lines = [line for line in stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("Error: ") and "Traceback" not in stderr, stderr
    return lines[0]


# -- item 4: a failing disk or a vanished folder ------------------------------------------------------------
@pytest.mark.parametrize(("code", "words"), [
    (errno.ENOSPC, "no space left"), (errno.EACCES, "permission denied"), (errno.EPERM, "not permitted"),
    (errno.EROFS, "read-only file system"), (errno.ENAMETOOLONG, "file name too long"),
])
def test_a_disk_error_mid_run_is_named_and_run_json_is_final(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                             code: int, words: str) -> None:
    out = tmp_path / "g"
    fail_writes_at(monkeypatch, 10, OSError(code, os.strerror(code), str(out / "metrics.csv")))
    result = run_cli(*GRADNORM, "-o", out)
    assert result.exit_code == 1
    line = one_error_line(result.stderr)
    assert words in line and "internal error" not in line and "metrics.csv" in line
    assert json.loads((out / "run.json").read_text())["status"] == "failed"
    assert len(read_rows(out / "metrics.csv")) == 9  # the rows before the failure are kept


def test_the_folder_deleted_mid_run_is_a_failure_not_completed(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    out = tmp_path / "g"
    fail_writes_at(monkeypatch, 10, remove=True)
    result = run_cli(*GRADNORM, "-o", out)
    assert result.exit_code == 1 and "deleted" in one_error_line(result.stderr)
    assert not out.exists()  # not made again behind the user's back


def test_hw1_all_goes_on_after_a_full_disk_and_writes_its_report(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    root = tmp_path / "suite"
    fail_writes_at(monkeypatch, 5, OSError(errno.ENOSPC, "No space left on device", "metrics.csv"), folder="gradnorm")
    result = run_cli("all", "--quick", "--only", "gradnorm", "--only", "minratio", "-q", "-o", root)
    assert result.exit_code == 1 and "Traceback" not in result.output
    assert "gradnorm: no space left" in result.stderr
    assert json.loads((root / "gradnorm" / "run.json").read_text())["status"] == "failed"
    assert json.loads((root / "minratio" / "run.json").read_text())["status"] == "completed"
    assert (root / "index.html").exists()


@pytest.fixture
def tiny_disk(tmp_path: Path):
    disk = tmp_path / "disk"
    disk.mkdir()
    if subprocess.run(["mount", "-t", "tmpfs", "-o", "size=24k", "tmpfs", str(disk)], capture_output=True).returncode:
        pytest.skip("cannot mount a tmpfs here (not root)")
    try:
        yield disk
    finally:
        subprocess.run(["umount", str(disk)], check=True)


def test_a_really_full_disk_still_ends_run_json_as_failed(tiny_disk: Path) -> None:
    out = tiny_disk / "g"
    result = run_cli("gradnorm", "--iterations", "5000", "-q", "-o", out)
    assert result.exit_code == 1 and "no space left" in one_error_line(result.stderr)
    assert json.loads((out / "run.json").read_text())["status"] == "failed"  # written in place, over its reserve
    assert len(read_rows(out / "metrics.csv")) > 10


# -- item 7: no traceback without --debug -------------------------------------------------------------------
def hw1(*args: str, env: dict | None = None, **options) -> subprocess.CompletedProcess:
    if "stdout" not in options:
        options["capture_output"] = True
    return subprocess.run([sys.executable, "-m", "hw1cli", *args], text=True, timeout=300, env={**os.environ, **(env or {})},
                          **options)


def test_a_bogus_matplotlib_backend_is_ignored(tmp_path: Path) -> None:
    assert hw1("--version", env={"MPLBACKEND": "bogus"}).returncode == 0
    assert hw1(*GRADNORM, "-o", str(tmp_path / "g"), env={"MPLBACKEND": "bogus"}).returncode == 0
    assert (tmp_path / "g" / "gradnorm.png").exists()


@pytest.mark.parametrize("quiet", [[], ["-q"]], ids=["table", "quiet"])
def test_a_closed_stdout_is_no_crash(tmp_path: Path, quiet: list[str]) -> None:
    command = [sys.executable, "-m", "hw1cli", "gradnorm", "--iterations", "5", *quiet, "-o", str(tmp_path / "g")]
    proc = subprocess.run(["sh", "-c", '"$@" >&-', "sh", *command], capture_output=False, stderr=subprocess.PIPE,
                          text=True, timeout=300)
    assert proc.returncode == 0 and "Traceback" not in proc.stderr, proc.stderr
    assert json.loads((tmp_path / "g" / "run.json").read_text())["status"] == "completed"


def test_a_name_over_255_characters_is_one_line_everywhere(tmp_path: Path) -> None:
    long = str(tmp_path / ("a" * 300))
    for args in (["gradnorm", "--iterations", "5", "-o", long], ["all", "--quick", "--only", "gradnorm", "-o", long],
                 ["report", "-o", long]):
        result = run_cli(*args)
        assert result.exit_code == 1 and "file name too long" in one_error_line(result.stderr), args


@pytest.mark.parametrize("kind", ["file", "link"])
def test_a_previous_that_is_a_file_or_a_link_is_refused(tmp_path: Path, kind: str) -> None:
    out = tmp_path / "g"
    assert run_cli(*GRADNORM, "-o", out).exit_code == 0
    target = tmp_path / "elsewhere"
    target.mkdir()
    (target / "keep.txt").write_text("keep")
    if kind == "file":
        (out / ".previous").write_text("mine")
    else:
        (out / ".previous").symlink_to(target)
    result = run_cli(*GRADNORM, "-o", out)
    assert result.exit_code == 2 and ".previous" in one_error_line(result.stderr)
    assert (target / "keep.txt").read_text() == "keep" and os.path.lexists(out / ".previous")


def test_ctrl_c_while_torch_loads_is_a_quiet_130(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture) -> None:
    import builtins

    from hw1cli import __main__ as entry

    real_import = builtins.__import__

    def interrupted_import(name: str, *args, **kwargs):
        if name == "hw1cli.cli":
            raise KeyboardInterrupt
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", interrupted_import)
    with pytest.raises(SystemExit) as stop:
        entry.main()
    assert stop.value.code == 130 and capsys.readouterr().err == "Interrupted\n"


def test_report_survives_odd_run_folders_and_a_read_only_root(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    root = tmp_path / "suite"
    assert run_cli("gradnorm", "--iterations", "5", "-q", "-o", root / "gradnorm").exit_code == 0
    assert run_cli("simulate", "--quick", "--depth", "1", "-q", "-o", root / "simulate").exit_code == 0
    (root / "gradnorm" / "summary.csv").write_bytes(b"task,model\n\xff\xfe not utf-8\n")
    record = json.loads((root / "simulate" / "run.json").read_text())
    (root / "simulate" / "run.json").write_text(json.dumps({**record, "config": ["not", "an", "object"]}))
    result = run_cli("report", "-o", root)
    assert result.exit_code == 0, result.output
    html = (root / "index.html").read_text()
    assert "gradnorm" in html and "simulate" in html

    def read_only(path: Path, text: str) -> None:
        raise OSError(errno.EROFS, "Read-only file system", str(path))

    monkeypatch.setattr("hw1cli.report.atomic_write_text", read_only)
    result = run_cli("report", "-o", root)
    assert result.exit_code == 1 and "read-only file system" in one_error_line(result.stderr)


# -- item 8: signals and exit codes -------------------------------------------------------------------------
def start(args: list[str], out: Path) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "hw1cli", *args, "-o", str(out)],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def wait_for_rows(path: Path, rows: int, proc: subprocess.Popen, timeout: float = 120) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        assert proc.poll() is None, proc.stderr.read()
        if path.exists() and path.read_text().count("\n") > rows:
            return
        time.sleep(0.05)
    pytest.fail("the run did not reach the row count in time")


# Signals pending together are handled in signal-number order (SIGINT before SIGTERM): either may come first.
@pytest.mark.parametrize(("signals", "codes"), [
    ([signal.SIGHUP], {129}), ([signal.SIGINT, signal.SIGINT], {130}), ([signal.SIGTERM, signal.SIGINT], {130, 143}),
], ids=["sighup", "two-sigints", "sigterm-then-sigint"])
def test_signals_end_in_one_line_and_a_final_run_json(tmp_path: Path, signals: list, codes: set) -> None:
    out = tmp_path / "g"
    proc = start(LONG_GRADNORM, out)
    wait_for_rows(out / "metrics.csv", 20, proc)
    for sig in signals:
        proc.send_signal(sig)
        time.sleep(0.001)
    assert proc.wait(timeout=120) in codes
    stderr = proc.stderr.read()
    assert "Traceback" not in stderr and stderr.count("\n") == 1 and "--resume" in stderr, stderr
    assert json.loads((out / "run.json").read_text())["status"] == "interrupted"


def test_ctrl_c_during_the_suites_option_check_stops_it(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from hw1cli.commands import requests

    check = requests.check_request  # parse_request(check=True) runs it for each experiment of the suite

    def interrupted(request):
        if request.name == "minratio":
            raise KeyboardInterrupt
        return check(request)

    monkeypatch.setattr(requests, "check_request", interrupted)
    root = tmp_path / "suite"
    result = run_cli("all", "--quick", "--only", "gradnorm", "--only", "minratio", "-q", "-o", root)
    assert result.exit_code == 130 and not (root / "gradnorm").exists(), result.output


def test_stdout_on_a_full_device_fails_and_a_closed_pipe_does_not(tmp_path: Path) -> None:
    with open("/dev/full", "w") as full:
        proc = hw1("gradnorm", "--iterations", "5", "-o", str(tmp_path / "full"), stdout=full, stderr=subprocess.PIPE)
    assert proc.returncode == 1 and "cannot write to standard output" in proc.stderr and "Traceback" not in proc.stderr
    assert "--resume" not in proc.stderr and "-o" not in proc.stderr  # a run folder's advice is no help here
    reader, writer = os.pipe()
    os.close(reader)  # like `| head -1` once head has its line
    proc = hw1("gradnorm", "--iterations", "5", "-o", str(tmp_path / "pipe"), stdout=writer, stderr=subprocess.PIPE)
    os.close(writer)
    # without a terminal the run prints its plain progress lines on stderr; no error among them
    assert proc.returncode == 0 and "Error" not in proc.stderr and "Traceback" not in proc.stderr, proc.stderr
    assert json.loads((tmp_path / "pipe" / "run.json").read_text())["status"] == "completed"
