"""Run folders someone else made: what hw1 reads from them is data, never code, never a path to follow.

Each test plants one thing an attacker (or a careless copy) could leave in a folder that a later `--resume`,
`hw1 all`, `hw1 export`, `hw1 check`, `hw1 rerun` or the Python API reads, and checks that nothing runs,
nothing outside the folder is read or written, and the user gets one line instead of a traceback.
"""

from __future__ import annotations

import io
import json
import os
from pathlib import Path

import pytest
import torch
from conftest import run_cli

from hw1cli import api
from hw1cli.claims import evaluate_run
from hw1cli.claims.source import ClaimsDataError
from hw1cli.commands.suite_checks import check_root
from hw1cli.errors import DataError, NotOurFile, UsageError
from hw1cli.export import export_folder
from hw1cli.files import CsvLog
from hw1cli.history import entry_folder
from hw1cli.progress import open_log
from hw1cli.registry import get
from hw1cli.run_record import read_run
from hw1cli.tracking import TrackerSpec
from hw1cli.tracking.folder import read_folder
from hw1cli.tracking.mlflow_sink import MlflowSink
from hw1cli.tracking.tensorboard_sink import run_folder
from hw1cli.training.checkpoint import load_checkpoint
from hw1cli.training.results import FitResult

GRADNORM = ["gradnorm", "--iterations", "30", "-q"]
MARKER = "hw1-planted-code-ran"


class _Payload:
    """Unpickling this calls Path.touch on the marker: what a crafted checkpoint could make any call do."""

    def __init__(self, marker: Path) -> None:
        self.marker = marker

    def __reduce__(self) -> tuple[object, tuple[str]]:
        return (Path.touch, (str(self.marker),))


@pytest.fixture(scope="module")
def gradnorm_run(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("planted") / "gradnorm"
    assert run_cli(*GRADNORM, "-o", out).exit_code == 0
    return out


def _copy(folder: Path, to: Path) -> Path:
    to.mkdir(parents=True)
    for path in folder.iterdir():
        if path.is_file():
            (to / path.name).write_bytes(path.read_bytes())
    return to


def _interrupted(folder: Path) -> None:
    record = json.loads((folder / "run.json").read_text())
    (folder / "run.json").write_text(json.dumps({**record, "status": "interrupted", "finished_at": None}))


def _fit_objects() -> tuple[torch.nn.Module, torch.optim.Optimizer, torch.Generator, FitResult]:
    model = torch.nn.Linear(2, 1)
    return model, torch.optim.SGD(model.parameters(), lr=0.1), torch.Generator(), FitResult("completed", 0, [])


def test_a_checkpoint_never_runs_code(tmp_path: Path) -> None:
    marker = tmp_path / MARKER
    path = tmp_path / "model.pt"
    buffer = io.BytesIO()
    torch.save({"model": _Payload(marker)}, buffer)
    path.write_bytes(buffer.getvalue())
    with pytest.raises(DataError, match="corrupt or does not fit"):
        load_checkpoint(path, *_fit_objects())
    assert not marker.exists()  # weights_only: the payload was refused, not called


def test_a_checkpoint_that_is_a_link_is_not_read(tmp_path: Path) -> None:
    model, opt, gen, result = _fit_objects()
    outside = tmp_path / "outside.pt"
    torch.save({"model": model.state_dict()}, outside)
    (tmp_path / "run").mkdir()
    link = tmp_path / "run" / "model.pt"
    link.symlink_to(outside)
    with pytest.raises(DataError, match="link"):
        load_checkpoint(link, model, opt, gen, result)


def test_a_fifo_as_run_log_or_metrics_is_refused_without_blocking(tmp_path: Path) -> None:
    fifo = tmp_path / "metrics.csv"
    os.mkfifo(fifo)
    with pytest.raises(NotOurFile, match="not a plain file"):
        CsvLog(fifo, ["a", "b"], keys=["a"], append=True)
    with pytest.raises(NotOurFile, match="not a plain file"):
        open_log(fifo, append=True)
    link = tmp_path / "run.log"
    link.symlink_to(tmp_path / "elsewhere.log")
    with pytest.raises(NotOurFile, match="symbolic link"):
        open_log(link, append=False)
    assert not (tmp_path / "elsewhere.log").exists()


@pytest.mark.parametrize(("content", "message"), [
    (b"a,b\n1,2\n3\n", "line 3 does not have the header's 2 columns"),
    (b"a,b\n1,2,9\n", "line 2 does not have the header's 2 columns"),
    (b"a,b\n1,\xff\n", "not UTF-8"),
])
def test_a_corrupt_metrics_log_on_resume_is_one_data_error(tmp_path: Path, content: bytes, message: str) -> None:
    path = tmp_path / "metrics.csv"
    path.write_bytes(content)
    with pytest.raises(DataError, match=message):
        CsvLog(path, ["a", "b"], keys=["a"], append=True)
    assert path.read_bytes() == content  # nothing cut or rewritten


def test_resume_with_a_short_metrics_row_says_corrupt(gradnorm_run: Path, tmp_path: Path) -> None:
    out = _copy(gradnorm_run, tmp_path / "g")
    _interrupted(out)
    with open(out / "metrics.csv", "a") as handle:
        handle.write("7,0.5\n")
    result = run_cli(*GRADNORM, "-o", out, "--resume")
    assert result.exit_code == 1 and "is corrupt" in result.stderr and "internal error" not in result.stderr, result.output


@pytest.mark.parametrize("command", ["../../../tmp/x", "/tmp/x", "mnist/../x", ""])
def test_export_takes_only_a_command_name_from_run_json(gradnorm_run: Path, tmp_path: Path, command: str) -> None:
    out = _copy(gradnorm_run, tmp_path / "g")
    record = json.loads((out / "run.json").read_text())
    (out / "run.json").write_text(json.dumps({**record, "command": command}))
    assert read_folder(out) is None  # not a run to export: its command would name the tracker's folders
    assert read_folder(gradnorm_run) is not None


def test_export_never_writes_through_a_link_in_the_output(gradnorm_run: Path, tmp_path: Path) -> None:
    root = tmp_path / "root"
    _copy(gradnorm_run, root / "gradnorm")
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    tb = root / "gradnorm" / "tb"  # the run's own tb/, where an export of the root writes too
    tb.symlink_to(elsewhere)
    with pytest.raises(NotOurFile, match="tb is a symbolic link"):
        export_folder(root, [TrackerSpec("tensorboard", "")])
    tb.unlink()
    tb.mkdir()
    record = json.loads((root / "gradnorm" / "run.json").read_text())
    run_folder(tb, "gradnorm", record["started_at"]).symlink_to(elsewhere)  # the run's TensorBoard folder
    with pytest.raises(NotOurFile, match="symbolic link"):
        export_folder(root, [TrackerSpec("tensorboard", "")])
    assert list(elsewhere.iterdir()) == []
    (root / "mlartifacts").symlink_to(elsewhere)
    with pytest.raises(NotOurFile, match="mlartifacts is a symbolic link"):
        MlflowSink("", root, root / "gradnorm", "gradnorm", "2026-12-03T00:00:00")


def test_hw1_all_refuses_an_experiment_folder_that_is_a_link(tmp_path: Path) -> None:
    root = tmp_path / "root"
    root.mkdir()
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (root / "mnist").symlink_to(elsewhere)
    for force in (False, True):
        with pytest.raises(UsageError, match="mnist is a symbolic link"):
            check_root(root, force)
    result = run_cli("all", "--only", "gradnorm", "--quick", "--dataset", "digits", "-q", "-o", root)
    assert result.exit_code == 2 and "symbolic link" in result.stderr
    assert list(elsewhere.iterdir()) == []


def test_a_run_json_nested_too_deep_is_no_run(gradnorm_run: Path, tmp_path: Path) -> None:
    out = _copy(gradnorm_run, tmp_path / "g")
    (out / "run.json").write_text("[" * 100_000 + "]" * 100_000)
    assert read_run(out) is None
    result = run_cli("rerun", str(out), "-q")
    assert result.exit_code == 2 and "internal error" not in result.stderr, result.output
    with pytest.raises(UsageError):
        api.load(out)


@pytest.mark.parametrize("started", ["..", ".", "../../x", "." * 300, ".hidden"])
def test_a_history_name_stays_inside_history(tmp_path: Path, started: str) -> None:
    target = entry_folder(tmp_path, {"started_at": started})
    assert target.parent == tmp_path / "history"
    assert target.name not in ("", ".", "..") and not target.name.startswith(".") and len(target.name) <= 64


@pytest.mark.parametrize("value", ["inf", "1e400", "-inf"])
def test_check_calls_an_infinite_count_a_bad_file(tmp_path: Path, value: str) -> None:
    (tmp_path / "run.json").write_text(json.dumps({"command": "mnist", "status": "completed", "config": {"seed": 0}}))
    (tmp_path / "summary.csv").write_text(
        "model,seed,test_acc,test_images\n" + "".join(f"{m},0,0.9,{value}\n" for m in ("shallow", "deep")))
    with pytest.raises(ClaimsDataError, match="do not look like a finished"):
        evaluate_run(get("mnist"), tmp_path)


def test_the_api_reads_no_file_through_a_link(gradnorm_run: Path, tmp_path: Path) -> None:
    out = _copy(gradnorm_run, tmp_path / "g")
    secret = tmp_path / "secret.csv"
    secret.write_text("secret,columns\n1,2\n")
    (out / "summary.csv").unlink()
    (out / "summary.csv").symlink_to(secret)
    run = api.load(out)
    assert isinstance(run, api.Run)
    with pytest.raises(DataError, match="link"):
        _ = run.summary
    assert len(run.metrics) == 30


def test_a_rerun_never_downloads_into_a_data_dir_run_json_names(gradnorm_run: Path, tmp_path: Path) -> None:
    out = _copy(gradnorm_run, tmp_path / "g")
    record = json.loads((out / "run.json").read_text())
    elsewhere = tmp_path / "elsewhere" / "data"
    record["config"].update(task="mnist", data_dir=str(elsewhere), download=True)
    (out / "run.json").write_text(json.dumps(record))
    result = run_cli("rerun", out, "-q")
    assert result.exit_code == 1 and "mnist files not found" in result.stderr, result.output
    assert not (tmp_path / "elsewhere").exists()  # no folder made there, nothing fetched into it
    # what the run computes did not change: its recorded download flag is no difference to --resume or history
    same = _copy(gradnorm_run, tmp_path / "same")
    again = run_cli("rerun", same, "-q")
    assert again.exit_code == 0 and "Kept the previous run" not in again.stderr, again.output
    assert not (same / "history").exists()
