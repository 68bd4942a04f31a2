"""TensorBoard, read back with tensorboard's own readers: a run exported or logged live while interrupted and
then resumed gets its later steps and its final status (each written once), one place per run whichever folder
is exported, the verdicts under a tag of their own, and hyper-parameters as numbers without ignored options."""

from __future__ import annotations

import csv
import io
import json
import os
import re
import shutil
from pathlib import Path
from typing import Any

import pytest
from conftest import read_rows, run_cli
from test_tracking import TINY, csv_series

pytest.importorskip("tensorboard")


@pytest.fixture(scope="module")
def finished(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A completed two-model mnist run (two epochs), logged to no tracker."""
    out = tmp_path_factory.mktemp("finished") / "mnist"
    result = run_cli("mnist", *TINY, "-o", out)
    assert result.exit_code == 0, result.output
    return out


def copy_run(finished: Path, tmp_path: Path) -> Path:
    return Path(shutil.copytree(finished, tmp_path / "suite" / "mnist"))


def as_interrupted(folder: Path) -> tuple[str, str]:
    """The folder as it was when interrupted after epoch 1 (metrics.csv's first epoch, run.json "interrupted");
    returns what to put back to "resume" it to completion."""
    metrics, record = (folder / "metrics.csv").read_text(), (folder / "run.json").read_text()
    rows = list(csv.DictReader(io.StringIO(metrics)))
    text = io.StringIO()
    writer = csv.DictWriter(text, fieldnames=list(rows[0]), lineterminator="\n")
    writer.writeheader()
    writer.writerows(r for r in rows if r["epoch"] == "1")
    (folder / "metrics.csv").write_text(text.getvalue())
    (folder / "run.json").write_text(json.dumps(json.loads(record) | {"status": "interrupted", "finished_at": None}))
    return metrics, record


def resumed(folder: Path, saved: tuple[str, str]) -> None:
    (folder / "metrics.csv").write_text(saved[0])
    (folder / "run.json").write_text(saved[1])


def base_of(folder: Path) -> Path:
    (base,) = (p for p in (folder / "tb").iterdir() if p.is_dir())
    return base


def events(folder: Path) -> list[tuple[str, int, Any]]:
    """Every summary value in `folder`'s own event files, in the order TensorBoard reads them: (tag, step, value)."""
    from tensorboard.backend.event_processing.event_file_loader import LegacyEventFileLoader

    out = []
    for path in sorted(folder.glob("events.out.tfevents.*")):
        for event in LegacyEventFileLoader(str(path)).Load():
            out.extend((value.tag, event.step, value) for value in event.summary.value)
    return out


def texts(folder: Path, tag: str) -> list[tuple[int, str]]:
    return [(step, value.tensor.string_val[0].decode()) for t, step, value in events(folder) if t == f"{tag}/text_summary"]  # torch names text so


def hparams(folder: Path) -> list[tuple[int, dict[str, Any]]]:
    """Each hyper-parameter record written: (step, {name: number, text or bool})."""
    from tensorboard.plugins.hparams import plugin_data_pb2

    out = []
    for tag, step, value in events(folder):
        if tag == "_hparams_/session_start_info":
            data = plugin_data_pb2.HParamsPluginData.FromString(value.metadata.plugin_data.content)
            out.append((step, {k: getattr(v, v.WhichOneof("kind")) for k, v in data.session_start_info.hparams.items()}))
    return out


def assert_scalars_equal_metrics(folder: Path) -> None:
    """Every metrics.csv value at its step, once (TensorBoard's EventAccumulator)."""
    from tensorboard.backend.event_processing.event_accumulator import EventAccumulator

    base = base_of(folder)
    for name, columns in csv_series(folder).items():
        accumulator = EventAccumulator(str(base / name), size_guidance={"scalars": 0})
        accumulator.Reload()
        assert set(accumulator.Tags()["scalars"]) == set(columns)
        for column, by_epoch in columns.items():
            logged = [(e.step, e.value) for e in accumulator.Scalars(column)]
            assert sorted(s for s, _ in logged) == sorted(by_epoch), (name, column, logged)  # each step once
            assert dict(logged) == pytest.approx(by_epoch, rel=1e-6)


def live(run: Path, spec: Any, rows: list[dict[str, str]] | None = None, status: str = "completed",
         ignored: frozenset[str] = frozenset()) -> None:
    """What the runner does with --log-to: each metrics row (all of metrics.csv by default), then close."""
    from hw1cli.tracking.session import Tracking

    record = json.loads((run / "run.json").read_text())
    tracking = Tracking((spec,), command=record["command"], folder=run, started_at=record["started_at"],
                        config=record["config"], store_root=run.parent, ignored=ignored)
    for row in read_rows(run / "metrics.csv") if rows is None else rows:
        tracking.row(("model", "seed", "epoch"), row)
    tracking.close(status)


def export(folder: Path, *to: str) -> str:
    result = run_cli("export", folder, "--to", *(to or ("tensorboard",)))
    assert result.exit_code == 0, result.output
    return result.output


def counted(output: str) -> tuple[int, int]:
    """(exported, already there) of the summary line."""
    found = re.search(r"tensorboard: (\d+) runs? exported, (\d+) already there", output)
    assert found, output
    return int(found[1]), int(found[2])


def test_a_run_exported_while_interrupted_then_resumed_gets_its_later_steps_and_final_status(finished: Path,
                                                                                              tmp_path: Path) -> None:
    run = copy_run(finished, tmp_path)
    saved = as_interrupted(run)
    assert counted(export(run)) == (1, 0)
    resumed(run, saved)
    assert counted(export(run)) == (1, 0)  # was "0 runs exported, 1 already there"
    assert counted(export(run)) == (0, 1)
    assert_scalars_equal_metrics(run)  # epoch 2 added, epoch 1 not twice
    base = base_of(run)
    assert texts(base, "status") == [(0, "interrupted"), (1, "completed")]  # the last step: the final status
    assert [step for step, _ in hparams(base)] == [0, 1]
    status_ok = [(step, value.simple_value) for tag, step, value in events(base) if tag == "final/status_ok"]
    assert status_ok == [(0, 0.0), (1, 1.0)]


def test_a_live_run_interrupted_then_resumed_writes_its_closing_data_once_per_status(finished: Path,
                                                                                     tmp_path: Path) -> None:
    from hw1cli.tracking import TrackerSpec
    from hw1cli.tracking.folder import read_folder, series

    run = copy_run(finished, tmp_path)
    saved = as_interrupted(run)
    first = read_rows(run / "metrics.csv")
    live(run, TrackerSpec("tensorboard"), first, "interrupted")
    resumed(run, saved)
    live(run, TrackerSpec("tensorboard"), [r for r in read_rows(run / "metrics.csv") if r not in first])  # resumed
    base = base_of(run)
    assert texts(base, "status") == [(0, "interrupted"), (1, "completed")]  # not both at step 0
    status_ok = [(step, value.simple_value) for tag, step, value in events(base) if tag == "final/status_ok"]
    assert status_ok == [(0, 0.0), (1, 1.0)]
    assert [step for step, _ in hparams(base)] == [0, 1]
    assert_scalars_equal_metrics(run)
    live(run, TrackerSpec("tensorboard"), [])  # a second close with the same status (or an export) writes nothing again
    assert len(texts(base, "status")) == 2
    assert counted(export(run)) == (0, 1)
    assert len(series(read_folder(run))) == 2


def test_a_run_is_in_tensorboard_once_whichever_folder_is_exported(finished: Path, tmp_path: Path) -> None:
    from hw1cli.tracking import TrackerSpec

    run = copy_run(finished, tmp_path)
    suite = run.parent
    assert counted(export(suite)) == (1, 0)
    assert counted(export(run)) == (0, 1)  # wrote suite/mnist/tb as well
    holders = {p.parent.relative_to(suite) for p in suite.rglob("events.out.tfevents.*")}
    assert {p.parts[:2] for p in holders} == {("mnist", "tb")}  # the run's own tb/, where --log-to writes
    other = tmp_path / "elsewhere"  # tensorboard:DIR: one place too, live (--log-to) or exported
    live(run, TrackerSpec("tensorboard", str(other)))
    assert counted(export(run, f"tensorboard:{other}")) == (0, 1)
    assert counted(export(suite, f"tensorboard:{other}")) == (0, 1)
    assert {p.parent.relative_to(other).parts[0] for p in other.rglob("events.out.tfevents.*")} == {"mnist"}


def test_export_says_where_the_events_are_and_its_help_opens_them(finished: Path, tmp_path: Path) -> None:
    run = copy_run(finished, tmp_path)
    output = export(run.parent)
    assert f"tensorboard: 1 run exported, 0 already there; events in each run folder's tb/ (tensorboard --logdir {run.parent})" in output
    help_text = " ".join(run_cli("export", "--help").output.split())
    assert "hw1 export outputs --to tensorboard && tensorboard --logdir outputs " in help_text  # not outputs/tb
    assert "--logdir outputs/tb" not in help_text


def test_the_verdicts_and_the_tables_have_text_tags_of_their_own(finished: Path, tmp_path: Path) -> None:
    run = copy_run(finished, tmp_path)
    export(run)
    base = base_of(run)
    claims = read_rows(run / "claims.csv")
    ((_, verdicts),) = texts(base, "verdicts")
    assert all(f"{r['experiment']}.{r['claim']}: {r['verdict']}" in verdicts for r in claims) and claims
    ((_, table),) = texts(base, "tables/claims.csv")
    assert table.startswith("```\nexperiment,claim,")
    assert len(texts(base, "tables/summary.csv")) == 1
    assert not texts(base, "claims")  # the table and the verdicts no longer share a tag


def test_hyper_parameters_are_numbers_and_leave_out_what_the_mode_ignored(finished: Path, tmp_path: Path) -> None:
    run = copy_run(finished, tmp_path)
    export(run)
    ((_, params),) = hparams(base_of(run))
    assert params["lr"] == pytest.approx(0.01) and params["epochs"] == 2 and params["model"] == "shallow,deep"
    gradnorm = tmp_path / "gradnorm"
    result = run_cli("gradnorm", "--task", "sinc", "--dataset", "digits", "--quick", "--iterations", "20", "-q",
                     "-o", gradnorm)
    assert result.exit_code == 0, result.output
    export(gradnorm)
    ((_, params),) = hparams(base_of(gradnorm))
    assert params["task"] == "sinc" and params["depth"] == 7
    assert not {"model", "batch_size", "full_every"} & set(params)  # what --task sinc ignores (the report's Settings)
    logged = tmp_path / "gradnorm-live"  # and live: the runner tells the tracker what the mode ignored
    result = run_cli("gradnorm", "--task", "sinc", "--dataset", "digits", "--quick", "--iterations", "20", "-q",
                     "--log-to", "tensorboard", "-o", logged)
    assert result.exit_code == 0, result.output
    ((_, params),) = hparams(base_of(logged))
    assert params["task"] == "sinc" and not {"model", "batch_size", "full_every"} & set(params)


def test_a_planted_marker_is_never_followed(finished: Path, tmp_path: Path) -> None:
    run = copy_run(finished, tmp_path)
    export(run)
    base = base_of(run)
    marker = base / "hw1-tensorboard.json"
    record = json.loads(marker.read_text())
    outside = tmp_path / "outside.json"
    outside.write_text(json.dumps(record | {"steps": {}, "status": None}))
    marker.unlink()
    os.symlink(outside, marker)
    before = sorted(base.rglob("events.out.tfevents.*"))
    assert counted(export(run)) == (0, 1)  # events no record accounts for: left as they are
    assert sorted(base.rglob("events.out.tfevents.*")) == before and marker.is_symlink()
    assert json.loads(outside.read_text())["steps"] == {}
    for garbage in ("[1, 2]", '{"started_at": 1}', "{" * 100000, "x" * (2 * 1024 * 1024)):
        marker.unlink()
        marker.write_text(garbage)
        assert counted(export(run)) == (0, 1)
        assert sorted(base.rglob("events.out.tfevents.*")) == before


def test_a_live_run_leaves_out_the_fields_it_is_told_its_mode_ignored(finished: Path, tmp_path: Path) -> None:
    # the runner passes registry.unused_fields (the tracking layer cannot import the registry)
    from hw1cli.tracking import TrackerSpec

    run = copy_run(finished, tmp_path)
    live(run, TrackerSpec("tensorboard"), ignored=frozenset({"momentum"}))
    ((_, params),) = hparams(base_of(run))
    assert "momentum" not in params and params["lr"] == pytest.approx(0.01)


def test_a_run_still_training_in_another_process_is_left_to_it(finished: Path, tmp_path: Path) -> None:
    # hw1 export while the run logs live: both wrote its steps (86 duplicated scalars) and two closings at step 0
    from hw1cli.locking import FolderLock

    run = copy_run(finished, tmp_path)
    record = json.loads((run / "run.json").read_text())
    (run / "run.json").write_text(json.dumps(record | {"status": "running", "finished_at": None}))
    lock = FolderLock(run)  # what the live run holds for its whole length
    try:
        output = export(run)
    finally:
        lock.release()
    assert "1 still running" in output and counted(output) == (0, 0) and not (run / "tb").exists()
    output = export(run)  # its process died (a kill -9): nothing holds the folder, the export goes ahead
    assert counted(output) == (1, 0)
