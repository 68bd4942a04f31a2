"""Configs and reruns as a Lightning or Hydra user expects them: a rerun runs what run.json recorded (threads,
figure formats, trackers in their default places), --resume keeps its thread count, --quick on a rerun shrinks
it, a config file's bad value names the file, a suite file may be all shared keys."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from conftest import run_cli

from hw1cli import registry
from hw1cli.commands.requests import parse_request

GRADNORM = ("gradnorm", "--iterations", "20", "-q")
MORE_THREADS = 3  # more than the default can give on a 2-core machine (it never exceeds torch's count)


@pytest.fixture(autouse=True)
def _no_thread_env(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("HW1_THREADS", raising=False)


def record(folder: Path) -> dict:
    return json.loads((folder / "run.json").read_text())


def test_a_rerun_runs_on_the_recorded_threads_and_figure_formats(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    first = tmp_path / "first"
    result = run_cli(*GRADNORM, "--threads", MORE_THREADS, "--figure-format", "png,svg", "-o", first)
    assert result.exit_code == 0, result.output
    assert record(first)["threads"] == MORE_THREADS and record(first)["figure_formats"] == ["png", "svg"]
    again = tmp_path / "again"
    assert run_cli("rerun", first, "-q", "-o", again).exit_code == 0
    # the thread count changes float sums: the rerun used to take the machine's default (1 or 2 here)
    assert record(again)["threads"] == MORE_THREADS
    assert sorted(p.stem for p in again.glob("*.svg")) == sorted(p.stem for p in first.glob("*.svg")) != []
    # typed (or from the environment) still wins
    monkeypatch.setenv("HW1_THREADS", "1")
    assert run_cli("rerun", first, "-q", "-o", tmp_path / "env", "--figure-format", "png").exit_code == 0
    assert record(tmp_path / "env")["threads"] == 1 and not list((tmp_path / "env").glob("*.svg"))


def test_a_resume_refuses_another_thread_count(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    out = tmp_path / "g"
    assert run_cli(*GRADNORM, "--threads", "1", "-o", out).exit_code == 0
    typed = run_cli(*GRADNORM, "--resume", "--threads", "2", "-o", out)
    assert typed.exit_code == 2 and "--threads 2 differs from the 1 torch thread(s)" in typed.stderr, typed.output
    monkeypatch.setenv("HW1_THREADS", "2")  # an exported variable used to win silently, run.json then lied
    from_env = run_cli(*GRADNORM, "--resume", "-o", out)
    assert from_env.exit_code == 2 and "HW1_THREADS=2 differs" in from_env.stderr, from_env.output


def test_quick_on_a_rerun_of_a_full_run_shrinks_what_the_run_left_at_its_default(tmp_path: Path) -> None:
    full = tmp_path / "full"
    assert run_cli("simulate", "--epochs", "40", "--depth", "1", "--function", "sinc", "--threads", "1", "-q",
                   "-o", full).exit_code == 0
    printed = run_cli("rerun", full, "--quick", "--print-config")
    assert printed.exit_code == 0, printed.output
    # points was the default (300): the preset's 100; epochs, depth, function were the run's own choices
    assert "points = 100" in printed.stdout and "epochs = 40" in printed.stdout
    assert "depth = [1]" in printed.stdout and 'function = ["sinc"]' in printed.stdout


def test_a_value_out_of_range_in_a_config_file_names_the_file(tmp_path: Path) -> None:
    for line, words in (("epochs = 0", "bad.toml: epochs must be >= 1, not 0"),
                        ('device = "gpu"', "bad.toml: device must be")):
        (tmp_path / "bad.toml").write_text(line + "\n")
        result = run_cli("mnist", "--config", tmp_path / "bad.toml", "--print-config")
        assert result.exit_code == 2 and words in result.stderr, result.output  # said "--epochs", never typed
    typed = run_cli("mnist", "--epochs", "0", "--print-config")
    assert typed.exit_code == 2 and "--epochs must be >= 1" in typed.stderr


def test_a_suite_file_of_shared_keys_only_and_a_file_with_a_bom(tmp_path: Path) -> None:
    flat = tmp_path / "flat.toml"
    flat.write_text('dataset = "digits"\nseed = 1\n')
    suite = run_cli("all", "--quick", "--config", flat, "--print-config")
    assert suite.exit_code == 0, suite.output  # "unknown key 'dataset' for hw1 simulate"
    assert suite.stdout.count("seed = 1") == len(registry.names())
    assert suite.stdout.count('dataset = "digits"') == sum(1 for e in registry.EXPERIMENTS if e.data)
    alone = run_cli("simulate", "--config", flat, "--print-config")  # one command: every key must be its own
    assert alone.exit_code == 2 and "unknown key 'dataset'" in alone.stderr
    bom = tmp_path / "bom.toml"
    bom.write_bytes("\ufeffepochs = 3\n".encode())  # Windows editors and PowerShell write one
    result = run_cli("mnist", "--config", bom, "--print-config")
    assert result.exit_code == 0 and "epochs = 3" in result.stdout, result.output


def test_data_dir_is_recorded_absolute_and_a_run_json_config_never_downloads(tmp_path: Path,
                                                                              monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    printed = run_cli("mnist", "--quick", "--dataset", "digits", "--data-dir", "rel", "--print-config")
    assert f'data_dir = "{tmp_path / "rel"}"' in printed.stdout, printed.output  # a rerun elsewhere reads the same
    run_json = tmp_path / "run.json"
    run_json.write_text(json.dumps({"command": "mnist", "config": {"download": True, "epochs": 2}}))
    result = run_cli("mnist", "--config", run_json, "--print-config")
    assert result.exit_code == 0 and "download = false" in result.stdout and "epochs = 2" in result.stdout
    typed = run_cli("mnist", "--config", run_json, "--download", "--print-config")
    assert "download = true" in typed.stdout


def test_rerun_takes_the_run_json_path_too(tmp_path: Path) -> None:
    first = tmp_path / "first"
    assert run_cli(*GRADNORM, "-o", first).exit_code == 0
    result = run_cli("rerun", first / "run.json", "--print-config")
    assert result.exit_code == 0 and "iterations = 20" in result.stdout, result.output


def test_only_trackers_in_their_default_places_come_from_a_record(tmp_path: Path) -> None:
    experiment = registry.get("gradnorm")
    recorded = {"command": "gradnorm", "config": {"iterations": 20},
                "log_to": ["tensorboard", "tensorboard:/elsewhere", "mlflow:http://host:5000", 7]}
    pytest.importorskip("tensorboard")
    request = parse_request(experiment, [], recorded=(recorded, tmp_path / "run.json"), folder=tmp_path)
    assert [str(spec) for spec in request.log_to] == ["tensorboard"]  # a place named in a file is data
    request = parse_request(experiment, ["--log-to", "tensorboard:tb2"], recorded=(recorded, tmp_path / "run.json"),
                            folder=tmp_path)
    assert [str(spec) for spec in request.log_to] == ["tensorboard:tb2"]  # typed wins


def test_a_recorded_tracker_this_machine_lacks_does_not_stop_a_rerun(tmp_path: Path,
                                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    import hw1cli.commands.options as options

    monkeypatch.setattr(options, "installed", lambda module: False)  # e.g. rerun on a machine without the extra
    recorded = {"command": "gradnorm", "config": {"iterations": 20}, "log_to": ["tensorboard", "mlflow"]}
    request = parse_request(registry.get("gradnorm"), [], recorded=(recorded, tmp_path / "run.json"), folder=tmp_path)
    assert request.log_to == ()


def test_log_to_none_turns_off_the_recorded_trackers(tmp_path: Path) -> None:
    from hw1cli.errors import UsageError

    recorded = {"command": "gradnorm", "config": {"iterations": 20}, "log_to": ["tensorboard"]}
    pytest.importorskip("tensorboard")
    request = parse_request(registry.get("gradnorm"), ["--log-to", "none"], recorded=(recorded, tmp_path / "run.json"),
                            folder=tmp_path)
    assert request.log_to == ()  # there was no way to rerun without run.json's trackers
    with pytest.raises(UsageError, match="none means no tracker"):
        parse_request(registry.get("gradnorm"), ["--log-to", "none,tensorboard"])


def test_a_run_that_recorded_a_relative_data_dir_still_resumes(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    # runs recorded before data_dir was made absolute said "data": --resume refused them ("these differ: --data-dir")
    from hw1cli.errors import UsageError
    from hw1cli.output import check_resumable

    monkeypatch.chdir(tmp_path)
    check_resumable({"config": {"data_dir": "data", "epochs": 2}}, {"data_dir": str(tmp_path / "data"), "epochs": 2})
    with pytest.raises(UsageError, match="--data-dir"):
        check_resumable({"config": {"data_dir": "other"}}, {"data_dir": str(tmp_path / "data")})


def test_hw1_all_leaves_hw1_threads_to_each_experiment() -> None:
    # passed on as a typed --threads, a resume's refusal said "leave --threads out" to someone who typed none
    from hw1cli.commands.suite import _arguments

    options = {"given": set(), "threads": 2, "device": "auto", "seed": 0, "quick": False, "quiet": False,
               "force": False, "resume": True, "debug": False}
    assert "--threads" not in _arguments(False, Path("o"), [], options)
    assert _arguments(False, Path("o"), [], options | {"given": {"threads"}})[-2:] == ["--threads", "2"]


def test_a_file_that_gives_one_command_nothing_is_refused(tmp_path: Path) -> None:
    only_mnist = tmp_path / "mnist.toml"
    only_mnist.write_text("[mnist]\nepochs = 3\n")
    result = run_cli("simulate", "--config", only_mnist, "--print-config")  # used nothing from it, silently
    assert result.exit_code == 2 and "holds nothing for hw1 simulate (its tables: mnist" in result.stderr, result.output
    assert run_cli("mnist", "--config", only_mnist, "--print-config").exit_code == 0
    assert run_cli("all", "--quick", "--config", only_mnist, "--print-config").exit_code == 0  # a suite file


def test_an_interrupted_run_older_than_an_option_resumes_with_it_at_its_default(tmp_path: Path) -> None:
    """A params run interrupted before --eval-every existed has no eval_every in run.json: --resume refused it
    ("these differ: --eval-every") though nobody typed the option. Left at its default it resumes; typed
    otherwise it is still a change."""
    from hw1cli.errors import UsageError
    from hw1cli.experiments.params.config import ParamsConfig
    from hw1cli.output import check_resumable
    from hw1cli.run_record import jsonable

    recorded = jsonable(ParamsConfig(dataset="digits"))
    del recorded["eval_every"]
    check_resumable({"config": recorded}, ParamsConfig(dataset="digits"))
    with pytest.raises(UsageError, match="these differ: --eval-every"):
        check_resumable({"config": recorded}, ParamsConfig(dataset="digits", eval_every=2))
    with pytest.raises(UsageError, match="these differ: --epochs"):  # a recorded option is compared as before
        check_resumable({"config": recorded}, ParamsConfig(dataset="digits", epochs=3))

    out = tmp_path / "params"
    args = ("params", "--dataset", "digits", "--widths", "8,16", "--epochs", "2", "--subset", "200", "--quiet", "-o", out)
    assert run_cli(*args).exit_code == 0
    record = json.loads((out / "run.json").read_text())
    del record["config"]["eval_every"]
    record["status"] = "interrupted"
    (out / "run.json").write_text(json.dumps(record))
    result = run_cli(*args, "--resume")
    assert result.exit_code == 0, result.output
    assert json.loads((out / "run.json").read_text())["status"] == "completed"
