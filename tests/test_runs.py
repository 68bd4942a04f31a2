"""Runs as records: what run.json holds to reproduce a run, `hw1 rerun`, --resume without retyping, run
history, and --json output."""

from __future__ import annotations

import hashlib
import json
import shlex
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from conftest import folder_contents, read_rows, run_cli, without_timing

from hw1cli import provenance
from hw1cli.history import history_entries

MNIST_TINY = ["mnist", "--dataset", "digits", "--model", "shallow", "--epochs", "1", "--subset", "300",
              "--test-subset", "100", "-q"]


def test_run_json_is_a_reproducibility_record(tmp_path: Path) -> None:
    out = tmp_path / "m"
    result = run_cli(*MNIST_TINY, "-o", out)
    assert result.exit_code == 0, result.output
    record = json.loads((out / "run.json").read_text())
    for name in ("torch", "torchvision", "numpy", "matplotlib", "scikit-learn", "typer", "rich", "python", "hw1"):
        assert record["versions"][name], name
    assert record["torch_threads"] >= 1
    assert record["cpu"]
    # the project is a git checkout (tests run from it): its commit is a 40-digit hash, its dirty flag a bool
    project = record["git"]["project"]
    assert len(project["commit"]) == 40 and isinstance(project["dirty"], bool)
    # digits comes from scikit-learn's bundled file: its checksum is the file's real SHA-256
    [(path, digest)] = record["data_files"].items()
    assert path.endswith("digits.csv.gz")
    assert digest == hashlib.sha256(Path(path).read_bytes()).hexdigest()


def test_mnist_files_read_are_hashed(tmp_path: Path, tiny_mnist: Path) -> None:
    out = tmp_path / "m"
    args = [a if a != "digits" else "mnist" for a in MNIST_TINY]
    result = run_cli(*args, "--subset", "100", "--data-dir", tiny_mnist, "--no-download", "-o", out)
    assert result.exit_code == 0, result.output
    files = json.loads((out / "run.json").read_text())["data_files"]
    raw = tiny_mnist / "MNIST" / "raw"
    assert sorted(Path(p).name for p in files) == sorted(p.name for p in raw.iterdir())
    for path, digest in files.items():
        assert digest == hashlib.sha256(Path(path).read_bytes()).hexdigest()


def test_git_state_is_omitted_outside_a_checkout_and_without_git(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    assert provenance.git_state(tmp_path) is None  # not a checkout
    monkeypatch.setenv("PATH", str(tmp_path))  # no git program at all
    assert provenance.git_state(Path(provenance.__file__).parent) is None


def test_checksums_are_taken_once_per_file_version(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    data = tmp_path / "d.bin"
    data.write_bytes(b"abc")
    calls = []
    real = provenance.sha256_file
    monkeypatch.setattr(provenance, "sha256_file", lambda p: calls.append(p) or real(p))
    provenance.forget_reads()
    provenance.note_read([data, data])
    assert provenance.data_checksums() == {str(data): hashlib.sha256(b"abc").hexdigest()}
    assert provenance.data_checksums() and len(calls) == 1


# -- hw1 rerun, --resume without retyping ---------------------------------------------------------------
SIMULATE = ["simulate", "--function", "sinc", "--depth", "2", "--epochs", "40", "--seed", "3", "-q"]


def test_rerun_reproduces_the_metrics_elsewhere(tmp_path: Path) -> None:
    first, again = tmp_path / "a", tmp_path / "b"
    assert run_cli(*SIMULATE, "-o", first).exit_code == 0
    result = run_cli("rerun", first, "-o", again, "-q")
    assert result.exit_code == 0, result.output
    assert without_timing(read_rows(again / "metrics.csv")) == without_timing(read_rows(first / "metrics.csv"))
    assert json.loads((again / "run.json").read_text())["config"] == json.loads((first / "run.json").read_text())["config"]


def test_rerun_of_a_quick_run_keeps_its_preset_and_limits(tmp_path: Path) -> None:
    """--quick's subsets are limits (3,000 > digits' 1,437 images): a rerun must keep them limits, or refuse."""
    first, again = tmp_path / "a", tmp_path / "b"
    args = ["mnist", "--quick", "--dataset", "digits", "--model", "shallow", "--epochs", "1", "-q"]
    assert run_cli(*args, "-o", first).exit_code == 0
    result = run_cli("rerun", first, "-o", again, "-q")
    assert result.exit_code == 0, result.output
    assert without_timing(read_rows(again / "metrics.csv")) == without_timing(read_rows(first / "metrics.csv"))
    recorded = json.loads((again / "run.json").read_text())
    assert recorded["quick"] is True and recorded["config"]["subset_is_limit"] is True


def test_rerun_with_other_options_keeps_the_replaced_run_in_history(tmp_path: Path) -> None:
    out = tmp_path / "run"
    assert run_cli(*SIMULATE, "-o", out).exit_code == 0
    original = (out / "metrics.csv").read_text()
    result = run_cli("rerun", out, "--epochs", "30", "-q")
    assert result.exit_code == 0, result.output
    [entry] = history_entries(out)
    assert (entry.folder / "metrics.csv").read_text() == original  # the replaced run, whole
    assert entry.changed == {"epochs": (40, 30)} and entry.status == "completed"
    assert f"in {entry.folder}/" in result.stderr and "--epochs 40 (now 30)" in result.stderr  # one line says where
    assert json.loads((out / "run.json").read_text())["config"]["epochs"] == 30
    assert len(read_rows(out / "metrics.csv")) == 30
    # the same options again replace the run as before: no second history entry
    assert run_cli("rerun", out, "-q").exit_code == 0
    assert len(history_entries(out)) == 1
    # the kept run is a run folder of its own: rerun reads it
    again = run_cli("rerun", entry.folder, "-o", tmp_path / "again", "-q")
    assert again.exit_code == 0 and (tmp_path / "again" / "metrics.csv").read_text().count("\n") == 41


def test_history_is_never_written_through_a_link(tmp_path: Path) -> None:
    out, elsewhere = tmp_path / "run", tmp_path / "elsewhere"
    elsewhere.mkdir()
    assert run_cli(*SIMULATE, "-o", out).exit_code == 0
    (out / "history").symlink_to(elsewhere)
    result = run_cli(*SIMULATE, "--epochs", "30", "-o", out)
    assert result.exit_code == 0, result.output
    assert list(elsewhere.iterdir()) == [] and "not a folder of its own" in result.stderr
    assert json.loads((out / ".previous" / "run.json").read_text())["config"]["epochs"] == 40  # not lost


def test_the_report_lists_a_folders_history(tmp_path: Path) -> None:
    root = tmp_path / "suite"
    assert run_cli(*SIMULATE, "-o", root / "simulate").exit_code == 0
    assert run_cli(*SIMULATE, "--epochs", "30", "-o", root / "simulate").exit_code == 0
    [entry] = history_entries(root / "simulate")
    assert run_cli("report", "-o", root).exit_code == 0
    for page in ("index.html", "report.md"):
        text = (root / page).read_text()
        assert f"history/{entry.folder.name}/" in text and "--epochs 40 (now 30)" in text, page
    # the kept run is not a run of the suite: the report and check see the folder's current run once
    assert (root / "index.html").read_text().count('<section id="simulate">') == 1


def test_resume_alone_continues_after_sigint(tmp_path: Path) -> None:
    """Options that differ from the defaults (function, depth, epochs, seed) are not retyped: run.json has them."""
    whole = tmp_path / "whole"
    args = ["simulate", "--function", "sinc", "--depth", "1", "--depth", "3", "--epochs", "1500", "--seed", "2", "-q"]
    assert run_cli(*args, "-o", whole).exit_code == 0
    out = tmp_path / "run dir"  # a space: the printed command must quote it
    proc = subprocess.Popen([sys.executable, "-m", "hw1cli", *args, "-o", str(out)], stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 120
    while not (out / "metrics.csv").exists() or (out / "metrics.csv").read_text().count("\n") < 1600:
        assert proc.poll() is None and time.monotonic() < deadline, "run ended before it could be interrupted"
        time.sleep(0.05)
    proc.send_signal(signal.SIGINT)
    assert proc.wait(timeout=60) == 130
    line = proc.stderr.read().strip().splitlines()[-1]
    hint = f"hw1 simulate --resume -o {shlex.quote(str(out))}"
    assert line.endswith(hint), line
    resumed = run_cli(*shlex.split(hint)[1:])  # exactly what was printed
    assert resumed.exit_code == 0, resumed.output
    assert without_timing(read_rows(out / "metrics.csv")) == without_timing(read_rows(whole / "metrics.csv"))
    assert history_entries(out) == []


def test_rerun_resume_continues_a_killed_run(tmp_path: Path) -> None:
    out = tmp_path / "cut"
    assert run_cli(*SIMULATE, "--epochs", "60", "-o", out).exit_code == 0
    expected = without_timing(read_rows(out / "metrics.csv"))
    text = (out / "metrics.csv").read_text()
    (out / "metrics.csv").write_text(text[: len(text) // 2])  # as a SIGKILL mid-write leaves it
    record = json.loads((out / "run.json").read_text())
    (out / "run.json").write_text(json.dumps({**record, "status": "running", "finished_at": None}))
    result = run_cli("rerun", out, "--resume", "-q")
    assert result.exit_code == 0, result.output
    assert without_timing(read_rows(out / "metrics.csv")) == expected


def test_resume_still_refuses_a_typed_option_that_differs(tmp_path: Path) -> None:
    out = tmp_path / "run"
    assert run_cli(*SIMULATE, "-o", out).exit_code == 0
    result = run_cli("simulate", "--resume", "--epochs", "41", "-o", out)
    assert result.exit_code == 2 and "--epochs" in result.stderr


@pytest.mark.parametrize("damage", ["missing", "unknown key", "wrong kind", "other program"])
def test_rerun_of_a_folder_without_a_usable_record_is_one_line(tmp_path: Path, damage: str) -> None:
    out = tmp_path / "run"
    assert run_cli(*SIMULATE, "-o", out).exit_code == 0
    record = json.loads((out / "run.json").read_text())
    if damage == "missing":
        (out / "run.json").unlink()
    elif damage == "unknown key":
        (out / "run.json").write_text(json.dumps({**record, "config": {**record["config"], "colour": "blue"}}))
    elif damage == "wrong kind":
        (out / "run.json").write_text(json.dumps({**record, "config": {**record["config"], "epochs": "many"}}))
    else:
        (out / "run.json").write_text(json.dumps({**record, "command": "rm -rf"}))
    before = folder_contents(out)
    result = run_cli("rerun", out, "-o", tmp_path / "new")
    assert result.exit_code == 2, result.output
    [line] = result.stderr.strip().splitlines()
    assert line.startswith("Error:") and str(out) in line
    assert {"unknown key": "'colour'", "wrong kind": "epochs must be a whole number"}.get(damage, "") in line
    assert folder_contents(out) == before and not (tmp_path / "new").exists()


# -- --json ----------------------------------------------------------------------------------------------
def test_json_of_a_single_run_is_the_only_stdout(tmp_path: Path) -> None:
    out = tmp_path / "m"
    result = run_cli(*[a for a in MNIST_TINY if a != "-q"], "--json", "-o", out)  # not quiet: progress is not stdout
    assert result.exit_code == 0, result.output
    document = json.loads(result.stdout)  # the whole of stdout is one document
    assert document["kind"] == "run" and document["status"] == "completed" and document["exit_code"] == 0
    assert document["folder"] == str(out) and document["command"] == "mnist"
    summary = read_rows(out / "summary.csv")
    assert document["key_numbers"]["test_acc"] == pytest.approx(float(summary[0]["test_acc"]))
    claims = read_rows(out / "claims.csv")
    assert [(c["claim"], c["verdict"]) for c in document["claims"]] == [(c["claim"], c["verdict"]) for c in claims]
    assert document["history"] == []


def test_json_of_a_refused_run_says_so(tmp_path: Path) -> None:
    result = run_cli(*SIMULATE, "--seed", str(2**31), "--json", "-o", tmp_path / "a")
    assert result.exit_code == 2
    document = json.loads(result.stdout)
    assert document["status"] == "usage error" and "--seed" in document["error"] and "claims" not in document
    (tmp_path / "b").mkdir()
    (tmp_path / "b" / "mine.txt").write_text("user's file")  # refused by the folder check, inside the run
    result = run_cli(*SIMULATE, "--json", "-o", tmp_path / "b")
    document = json.loads(result.stdout)
    assert result.exit_code == 2 and document["status"] == "usage error" and "mine.txt" in result.stderr
    assert "key_numbers" not in document  # the folder is not this run's: nothing is read from it


def test_json_of_check_all_and_sweep(tmp_path: Path) -> None:
    root = tmp_path / "suite"
    result = run_cli("all", "--quick", "--only", "simulate", "--json", "-o", root)
    assert result.exit_code == 0, result.output
    suite = json.loads(result.stdout)
    assert suite["kind"] == "suite" and suite["status"] == "completed" and suite["report"].endswith("index.html")
    [run] = suite["experiments"]
    assert run["command"] == "simulate" and run["status"] == "completed" and run["key_numbers"]

    result = run_cli("check", root, "--json")
    check = json.loads(result.stdout)
    assert check["kind"] == "check" and check["exit_code"] == result.exit_code
    on_disk = read_rows(root / "simulate" / "claims.csv")
    assert [c["verdict"] for c in check["claims"]] == [c["verdict"] for c in on_disk]
    assert sum(check["tally"].values()) == len(on_disk)
    assert all(c["folder"] == str(root / "simulate") for c in check["claims"])
    assert json.loads(run_cli("check", tmp_path / "nothing", "--json").stdout)["status"] == "usage error"

    sweep_root = tmp_path / "sweep"
    result = run_cli("sweep", "simulate", "--grid", "depth=1,2", "--workers", "1", "--json", "-o", sweep_root,
                     "--quick", "--epochs", "20", "--function", "sinc")
    assert result.exit_code == 0, result.output
    sweep = json.loads(result.stdout)
    assert sweep["kind"] == "sweep" and sweep["counts"] == {"completed": 2}
    assert [p["depth"] for p in sweep["points"]] == [str(d) for d in (1, 2)]
    assert all((Path(p["folder"]) / "run.json").is_file() for p in sweep["points"])


def test_rerun_print_config_shows_the_recorded_config_with_the_override_and_runs_nothing(tmp_path: Path) -> None:
    out = tmp_path / "run"
    assert run_cli(*SIMULATE, "-o", out).exit_code == 0
    before = folder_contents(out)
    result = run_cli("rerun", out, "--epochs", "7", "--print-config")
    assert result.exit_code == 0, result.output
    assert "epochs = 7" in result.stdout and "depth = [" in result.stdout
    assert folder_contents(out) == before  # nothing ran, nothing was written
