"""--log-to and `hw1 export`: runs read back with TensorBoard's and MLflow's own readers.

These use the real packages (the tensorboard and mlflow extras, which .ci/run installs)."""

from __future__ import annotations

import json
import math
import shutil
import subprocess
import sys
from collections import defaultdict
from pathlib import Path

import pytest
from conftest import read_rows, run_cli

pytest.importorskip("tensorboard")
pytest.importorskip("mlflow")

ROOT = Path(__file__).resolve().parents[1]
# Two CNNs on 200 digits for one epoch: rows for two models, figures, claims.
TINY = ("--dataset", "digits", "--quick", "--epochs", "2", "--subset", "200", "--test-subset", "100", "-q")
KEYS = ("model", "seed", "epoch")


def csv_series(folder: Path) -> dict[str, dict[str, dict[int, float]]]:
    """metrics.csv as {"model=..._seed=...": {column: {epoch: value}}} (numbers only)."""
    out: dict[str, dict[str, dict[int, float]]] = defaultdict(lambda: defaultdict(dict))
    for row in read_rows(folder / "metrics.csv"):
        name = f"model={row['model']}_seed={row['seed']}"
        for column, value in row.items():
            if column in KEYS or value == "":
                continue
            try:
                number = float(value)
            except ValueError:
                continue
            if math.isfinite(number):
                out[name][column][int(row["epoch"])] = number
    return out


def test_log_to_tensorboard_holds_every_metrics_value_with_its_step(tmp_path: Path) -> None:
    from tensorboard.backend.event_processing.event_accumulator import EventAccumulator

    out = tmp_path / "m"
    result = run_cli("mnist", *TINY, "-o", out, "--log-to", "tensorboard")
    assert result.exit_code == 0, result.output
    expected = csv_series(out)
    (base,) = (out / "tb").iterdir()
    assert base.name.startswith("mnist-")
    assert {p.name for p in base.iterdir() if p.is_dir()} >= set(expected)  # one TensorBoard run per model and seed
    for name, columns in expected.items():
        events = EventAccumulator(str(base / name), size_guidance={"scalars": 0})
        events.Reload()
        assert set(events.Tags()["scalars"]) == set(columns)  # the same names as metrics.csv's columns
        for column, by_epoch in columns.items():
            logged = {e.step: e.value for e in events.Scalars(column)}
            assert logged == pytest.approx(by_epoch, rel=1e-6)
    summary = EventAccumulator(str(base), size_guidance={"tensors": 0, "images": 0})
    summary.Reload()
    assert any(tag.startswith("figures/") for tag in summary.Tags()["images"])  # the PNGs, as images


def test_log_to_mlflow_holds_runs_params_metrics_and_artifacts(tmp_path: Path) -> None:
    from mlflow.tracking import MlflowClient

    out = tmp_path / "m"
    uri = f"sqlite:///{tmp_path / 'store' / 'mlflow.db'}"
    result = run_cli("mnist", *TINY, "-o", out, "--log-to", f"mlflow:{uri}", "--lr", "0.02")
    assert result.exit_code == 0, result.output
    client = MlflowClient(tracking_uri=uri)
    experiment = client.get_experiment_by_name("hw1-mnist")
    runs = client.search_runs([experiment.experiment_id])
    parents = [r for r in runs if "mlflow.parentRunId" not in r.data.tags]
    children = [r for r in runs if r.data.tags.get("mlflow.parentRunId") == parents[0].info.run_id]
    assert len(parents) == 1 and len(children) == 2  # one run per model and seed, under the hw1 run
    parent = parents[0]
    assert parent.data.params["lr"] == "0.02" and parent.data.params["model"] == "shallow,deep"
    assert parent.info.status == "FINISHED" and parent.data.tags["hw1_status"] == "completed"
    verdicts = {k: v for k, v in parent.data.tags.items() if k.startswith("claim.")}
    claims = {f"claim.{r['experiment']}.{r['claim']}": r["verdict"] for r in read_rows(out / "claims.csv")}
    assert verdicts == claims and claims
    artifacts = {a.path for a in client.list_artifacts(parent.info.run_id)}
    assert {"summary.csv", "claims.csv", "run.json", "accuracy.png", "loss.png"} <= artifacts
    expected = csv_series(out)
    for child in children:
        name = child.info.run_name
        for column, by_epoch in expected[name].items():
            history = {m.step: m.value for m in client.get_metric_history(child.info.run_id, column)}
            assert history == pytest.approx(by_epoch, rel=1e-6), (name, column)


def test_export_of_a_sweep_gives_one_child_per_point_and_twice_adds_nothing(tmp_path: Path) -> None:
    from mlflow.tracking import MlflowClient

    sweep = tmp_path / "sweep"
    result = run_cli("sweep", "mnist", "--grid", "lr=0.05,0.01", "--grid", "batch-size=32,64", "--workers", "1",
                     "-o", sweep, "--dataset", "digits", "--quick", "--model", "shallow", "--epochs", "1",
                     "--subset", "200", "--test-subset", "100", "-q")
    assert result.exit_code == 0, result.output
    uri = f"sqlite:///{tmp_path / 'mlflow.db'}"
    for attempt in range(2):
        exported = run_cli("export", sweep, "--to", f"mlflow:{uri}", "--to", f"tensorboard:{tmp_path / 'tb'}")
        assert exported.exit_code == 0, exported.output
        assert (f"mlflow: {4 if attempt == 0 else 0} runs exported" in exported.output), exported.output
    client = MlflowClient(tracking_uri=uri)
    experiment = client.get_experiment_by_name("hw1-sweep-mnist")
    runs = client.search_runs([experiment.experiment_id])
    (parent,) = [r for r in runs if r.data.tags.get("hw1_sweep") == "true"]
    points = [r for r in runs if r.data.tags.get("mlflow.parentRunId") == parent.info.run_id]
    assert len(points) == 4  # exporting twice left 4
    lr, batch = json.loads((sweep / "sweep.json").read_text())["spec"]["grid"]  # the sweep.csv column names
    table = {(r[lr], r[batch]): float(r["test_acc"]) for r in read_rows(sweep / "sweep.csv")}
    got = {(p.data.params[f"sweep.{lr}"], p.data.params[f"sweep.{batch}"]): p.data.metrics["final.test_acc"] for p in points}
    assert got == pytest.approx(table)  # the points side by side with their swept values and key numbers
    hparams = sorted(p for p in (tmp_path / "tb").rglob("events.out.tfevents.*") if p.parent.name.startswith("mnist-"))
    assert len({p.parent for p in hparams}) == 4  # a TensorBoard HParams row per point


def test_a_failing_tracker_is_one_warning_and_the_run_completes(tmp_path: Path) -> None:
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("a file where the store's folder should be")
    out = tmp_path / "m"
    result = run_cli("mnist", *TINY, "-o", out, "--log-to", f"mlflow:sqlite:///{blocker}/sub/mlflow.db")
    assert result.exit_code == 0, result.output
    warnings = [line for line in result.stderr.splitlines() if line.startswith("Warning: logging to mlflow")]
    assert len(warnings) == 1, result.stderr
    assert json.loads((out / "run.json").read_text())["status"] == "completed"
    assert len(read_rows(out / "metrics.csv")) == 4


def test_a_tracker_server_that_is_down_does_not_fail_the_run(tmp_path: Path) -> None:
    out = tmp_path / "m"
    result = run_cli("mnist", *TINY, "-o", out, "--log-to", "mlflow:http://127.0.0.1:9")
    assert result.exit_code == 0, result.output
    assert result.stderr.count("Warning: logging to mlflow stopped") == 1, result.stderr


@pytest.mark.parametrize(("value", "message"), [
    ("wandb", "choose tensorboard[:DIR], mlflow[:URI] or none"),
    ("mlflow", "needs the 'mlflow' extra: pip install -e \".[mlflow]\""),
])
def test_a_bad_or_missing_tracker_is_a_usage_error_before_anything_is_written(tmp_path: Path, value: str, message: str) -> None:
    # The extra is hidden from this interpreter (sys.modules[name] = None makes it unimportable).
    probe = ("import sys; sys.modules['mlflow'] = None; from hw1cli.cli import main; "
             f"sys.argv = ['hw1', 'mnist', '--dataset', 'digits', '--quick', '-o', {str(tmp_path / 'm')!r}, "
             f"'--log-to', {value!r}]; main()")
    proc = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, timeout=120, cwd=ROOT)
    assert proc.returncode == 2
    assert message in proc.stderr and len(proc.stderr.strip().splitlines()) == 1, proc.stderr
    assert not (tmp_path / "m").exists()


@pytest.fixture(scope="module")
def two_model_sweep(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A sweep of mnist with two models: sweep.csv's key numbers are labelled (test_acc[shallow], test_acc[deep])."""
    sweep = tmp_path_factory.mktemp("two-models") / "sweep"
    result = run_cli("sweep", "mnist", "--grid", "lr=0.05,0.01", "--workers", "1", "-o", sweep, "--dataset", "digits",
                     "--quick", "--model", "shallow,deep", "--epochs", "1", "--subset", "200", "--test-subset", "100", "-q")
    assert result.exit_code == 0, result.output
    assert "test_acc[shallow]" in read_rows(sweep / "sweep.csv")[0]
    return sweep


def sweep_runs(uri: str) -> list:
    from mlflow.tracking import MlflowClient

    client = MlflowClient(tracking_uri=uri)
    return client.search_runs([client.get_experiment_by_name("hw1-sweep-mnist").experiment_id])


@pytest.mark.parametrize("name", ["test_acc[shallow]", "final.test_acc[deep]", "a:b", "x/../y", "..x", "/x//y/", ".", "",
                                  "loss (é)", "a" * 400])
def test_mlflow_names_are_names_mlflow_takes(name: str) -> None:
    from mlflow.utils.validation import _validate_metric_name, _validate_param_name, _validate_tag_name

    from hw1cli.tracking.mlflow_sink import mlflow_name

    logged = mlflow_name(name)
    for validate in (_validate_metric_name, _validate_param_name, _validate_tag_name):
        validate(logged)
    assert len(logged) <= 250 and mlflow_name(logged) == logged
    assert mlflow_name("test_acc[shallow]") == "test_acc/shallow"


def test_export_of_a_sweep_of_two_models_logs_its_labelled_key_numbers(tmp_path: Path, two_model_sweep: Path) -> None:
    uri = f"sqlite:///{tmp_path / 'mlflow.db'}"
    exported = run_cli("export", two_model_sweep, "--to", f"mlflow:{uri}")
    assert exported.exit_code == 0, exported.output
    assert "mlflow: 2 runs exported, 0 already there" in exported.output
    runs = sweep_runs(uri)
    assert len(runs) == 1 + 2 + 2 * 2  # the sweep, its points, a child per model of each point
    assert {r.info.status for r in runs} == {"FINISHED"} and {r.data.tags["hw1_complete"] for r in runs} == {"true"}
    (parent,) = [r for r in runs if r.data.tags.get("hw1_sweep") == "true"]
    points = {r.data.params["sweep.lr"]: r for r in runs if r.data.tags.get("mlflow.parentRunId") == parent.info.run_id}
    table = {row["lr"]: row for row in read_rows(two_model_sweep / "sweep.csv")}
    assert set(points) == set(table)
    for lr, row in table.items():
        for model in ("shallow", "deep"):
            for number in ("test_acc", "test_loss"):
                logged = points[lr].data.metrics[f"final.{number}/{model}"]  # test_acc[shallow]: final.test_acc/shallow
                assert logged == pytest.approx(float(row[f"{number}[{model}]"]))


def test_a_sweep_still_running_has_a_running_parent_that_a_later_export_finishes(tmp_path: Path,
                                                                                  two_model_sweep: Path) -> None:
    # `hw1 sweep --log-to mlflow` exports after each point while sweep.json says "running": the parent run was
    # closed FAILED (and marked complete) until the sweep ended
    sweep = Path(shutil.copytree(two_model_sweep, tmp_path / "sweep"))
    record = json.loads((sweep / "sweep.json").read_text())
    (sweep / "sweep.json").write_text(json.dumps(record | {"status": "running", "finished_at": None}))
    uri = f"sqlite:///{tmp_path / 'mlflow.db'}"
    assert run_cli("export", sweep, "--to", f"mlflow:{uri}").exit_code == 0
    (parent,) = [r for r in sweep_runs(uri) if r.data.tags.get("hw1_sweep") == "true"]
    assert parent.info.status == "RUNNING" and parent.data.tags.get("hw1_complete") != "true"
    (sweep / "sweep.json").write_text(json.dumps(record))
    assert run_cli("export", sweep, "--to", f"mlflow:{uri}").exit_code == 0
    (parent,) = [r for r in sweep_runs(uri) if r.data.tags.get("hw1_sweep") == "true"]
    assert parent.info.status == "FINISHED" and parent.data.tags["hw1_complete"] == "true"
    assert len(sweep_runs(uri)) == 7  # the same parent, finished: nothing made twice


def test_an_export_cut_short_is_failed_and_the_next_export_finishes_it(tmp_path: Path, two_model_sweep: Path,
                                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    from mlflow.exceptions import MlflowException
    from mlflow.tracking import MlflowClient

    uri = f"sqlite:///{tmp_path / 'mlflow.db'}"
    log_batch = MlflowClient.log_batch
    cuts: list[str] = []

    def cut_once(self, run_id, metrics=(), *args, **kwargs):  # the first point's key numbers: the store fails once
        if not cuts and any(m.key.startswith("final.") for m in metrics):
            cuts.append(run_id)
            raise MlflowException("the store went away")
        return log_batch(self, run_id, metrics, *args, **kwargs)

    monkeypatch.setattr(MlflowClient, "log_batch", cut_once)
    first = run_cli("export", two_model_sweep, "--to", f"mlflow:{uri}")
    assert first.exit_code == 1 and "the store went away" in first.output, first.output
    assert cuts
    cut = sweep_runs(uri)  # the sweep, the point cut short and its children: none FINISHED, none left RUNNING
    assert len(cut) == 4 and {r.info.status for r in cut} == {"FAILED"}, [(r.info.run_name, r.info.status) for r in cut]
    assert all(r.data.tags.get("hw1_complete") != "true" for r in cut)

    for attempt, expected in enumerate(("2 runs exported, 0 already there", "0 runs exported, 2 already there")):
        again = run_cli("export", two_model_sweep, "--to", f"mlflow:{uri}")
        assert again.exit_code == 0, again.output
        assert f"mlflow: {expected}" in again.output, (attempt, again.output)
    runs = sweep_runs(uri)
    assert len(runs) == 7  # the runs of the export cut short were finished, not made again
    assert {r.info.run_id for r in cut} <= {r.info.run_id for r in runs}
    assert {r.info.status for r in runs} == {"FINISHED"} and {r.data.tags["hw1_complete"] for r in runs} == {"true"}
    client = MlflowClient(tracking_uri=uri)
    for run in runs:  # every value once: the rows logged before the cut were not logged again
        for name in run.data.metrics:
            steps = [m.step for m in client.get_metric_history(run.info.run_id, name)]
            assert len(steps) == len(set(steps)), (run.info.run_name, name, steps)
    points = [r for r in runs if r.data.tags.get("hw1_sweep") != "true" and "final.test_acc/deep" in r.data.metrics]
    assert len(points) == 2
