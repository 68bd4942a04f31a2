"""Options declared once (generated from config fields), --config files, --print-config, one wording for bad
values, did-you-mean, and --help that reads well at any width."""

from __future__ import annotations

import dataclasses
import json
import re
from pathlib import Path

import pytest
import typer
from conftest import read_rows, run_cli, without_timing
from typer.testing import CliRunner

from hw1cli import cli, registry
from hw1cli.commands.config_file import tomllib
from hw1cli.commands.options import experiment_command
from hw1cli.configs.fields import option
from hw1cli.experiments.mnist.config import MnistConfig
from hw1cli.experiments.simulate.config import SimulateConfig


def config_of(*args: object) -> dict:
    """`hw1 ARGS --print-config` parsed back: the config the options build."""
    result = run_cli(*args, "--print-config")
    assert result.exit_code == 0, result.output
    return tomllib.loads(result.stdout)


def one_error_line(result) -> str:
    lines = result.stderr.strip().splitlines()
    assert result.exit_code == 2 and len(lines) == 1, result.output
    assert "Traceback" not in result.output
    return lines[0]


# -- options generated from the config fields --------------------------------------------------------------------

def test_a_fields_help_type_default_and_choices_make_its_option() -> None:
    out = re.sub(r"[│\s]+", " ", run_cli("mnist", "--help").stdout)  # the text, unwrapped
    assert "Momentum (sgd and rmsprop only)." in out  # the field's metadata is the option's help
    assert "[default: 0.5]" in out
    assert "--batch-size" in out and "<int>" in out and "<float>" in out
    assert "lenet or cnn" in out  # choices named in the help text (never split across a column)
    budget = re.sub(r"[│\s]+", " ", run_cli("sensitivity", "--help").stdout)
    assert "--loss-check-every" in budget and "--target-loss" in budget


def test_every_config_field_is_an_option_or_common_or_internal() -> None:
    for experiment in registry.EXPERIMENTS:
        params = {p.name for p in typer.main.get_command(cli.app).commands[experiment.name].params}
        for field in dataclasses.fields(experiment.config):
            assert field.name in params or "internal" in field.metadata, (experiment.name, field.name)


def test_a_field_without_help_is_refused_when_the_command_is_built() -> None:
    @dataclasses.dataclass(frozen=True)
    class Bad:
        steps: int = 3  # no option(...): an option with no help is a mistake, not a silent blank
        seed: int = 0
        device: str = "auto"

    bad = dataclasses.replace(registry.EXPERIMENTS[0], name="bad", config=Bad, quick={})
    with pytest.raises(AssertionError, match=r"Bad\.steps needs option"):
        experiment_command(bad)


def test_option_helper_keeps_the_default_and_help() -> None:
    @dataclasses.dataclass(frozen=True)
    class C:
        width: int = option(4, "A width.")

    assert C().width == 4 and dataclasses.fields(C)[0].metadata["help"] == "A width."


@pytest.mark.parametrize(("args", "field", "expected"), [
    (("simulate", "--depth", "3,4"), "depth", [3, 4]),
    (("simulate", "--depth", "3", "--depth", "4"), "depth", [3, 4]),
    (("simulate", "--depth", "3,4", "--depth", "7"), "depth", [3, 4, 7]),
    (("mnist", "--model", "shallow,deep"), "model", ["shallow", "deep"]),
    (("randlabel", "--hidden", "64,32"), "hidden", [64, 32]),
    (("params", "--widths", "4", "--widths", "8,16"), "widths", [4, 8, 16]),
    (("sensitivity", "--batch-sizes", "32,256"), "batch_sizes", [32, 256]),
])
def test_repeatable_options_take_commas_and_repeats(args: tuple[str, ...], field: str, expected: list) -> None:
    assert config_of(*args)[field] == expected


# -- one wording for bad values, did-you-mean -------------------------------------------------------------------

@pytest.mark.parametrize(("args", "message"), [
    (("mnist", "--dataset", "mnits"), "unknown --dataset 'mnits'; did you mean 'mnist'?"),
    (("mnist", "--model", "Deep"), "unknown --model 'Deep'; did you mean 'deep'?"),
    (("mnist", "--optimizer", "adamw"), "unknown --optimizer 'adamw'; did you mean 'adam'?"),
    (("mnist", "--epochs", "ten"), "--epochs must be a whole number, not 'ten'"),
    (("mnist", "--lr", "fast"), "--lr must be a number, not 'fast'"),
    (("mnist", "--lr", "nan"), "--lr must be a finite number"),
    (("simulate", "--depth", "3,x"), "--depth must be a whole number, not 'x'"),
    (("simulate", "--depth", "3,,4"), "--depth has an empty item"),
    (("mnist", "--seed", "x"), "--seed must be a whole number, not 'x'"),
    (("mnsit",), "No such command 'mnsit'. Did you mean 'mnist'?"),
    (("check", "out", "--require", "maybe"), "unknown --require 'maybe' (choose from supported, not-refuted)"),
    (("all", "--workers", "x"), "--workers must be a whole number, not 'x'"),
    (("all", "--dataset", "Digits"), "unknown --dataset 'Digits'; did you mean 'digits'?"),
])
def test_bad_values_get_one_line_in_hw1s_words(tmp_path: Path, args: tuple[str, ...], message: str) -> None:
    line = one_error_line(run_cli(*args, "-o", tmp_path / "out") if args[0] not in ("mnsit", "check") else run_cli(*args))
    assert message in line
    assert "Value error" not in line and "Input should be" not in line
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize(("env", "args", "message"), [
    ({"HW1_WORKERS": "two"}, ("all",), "HW1_WORKERS (for --workers) must be a whole number, not 'two'"),
    ({"HW1_THREADS": "0"}, ("mnist",), "HW1_THREADS (for --threads) must be at least 1, not '0'"),
    ({}, ("mnist", "--threads", "0"), "--threads must be at least 1, not '0'"),
    ({"HW1_THREADS": "2"}, ("mnist", "--threads", "x"), "--threads must be a whole number, not 'x'"),  # typed wins
])
def test_bad_values_from_the_environment_name_the_variable(monkeypatch: pytest.MonkeyPatch, tmp_path: Path,
                                                          env: dict[str, str], args: tuple[str, ...], message: str) -> None:
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    result = run_cli(*args, "-o", tmp_path / "out")
    assert result.exit_code == 2 and one_error_line(result).endswith(message), result.output
    assert not (tmp_path / "out").exists()


# -- --config and --print-config ---------------------------------------------------------------------------------

TYPED = ("simulate", "--quick", "--epochs", "20", "--depth", "1,2", "--function", "sinc", "--params", "61",
         "--lr", "0.01", "--seed", "3")


def test_print_config_prints_the_resolved_config_and_runs_nothing(tmp_path: Path) -> None:
    result = run_cli(*TYPED, "-o", tmp_path / "out", "--print-config")
    assert result.exit_code == 0 and not (tmp_path / "out").exists()
    config = tomllib.loads(result.stdout)
    assert config["epochs"] == 20 and config["depth"] == [1, 2] and config["points"] == 100  # typed, typed, --quick
    assert config["seed"] == 3 and config["function"] == ["sinc"]


def test_toml_and_run_json_configs_give_the_same_config_and_csvs_as_typed_options(tmp_path: Path) -> None:
    typed = tmp_path / "typed"
    assert run_cli(*TYPED, "-o", typed, "-q").exit_code == 0
    toml_file = tmp_path / "c.toml"
    toml_file.write_text(run_cli(*TYPED, "--print-config").stdout)
    from_toml = config_of("simulate", "--config", toml_file)
    from_run = config_of("simulate", "--config", typed / "run.json")
    assert from_toml == from_run == config_of(*TYPED)
    recorded = json.loads((typed / "run.json").read_text())["config"]
    assert SimulateConfig(**{**recorded, "function": tuple(recorded["function"]), "depth": tuple(recorded["depth"])}) \
        == SimulateConfig(**{k: tuple(v) if isinstance(v, list) else v for k, v in from_toml.items()})
    for source, folder in ((toml_file, tmp_path / "toml"), (typed / "run.json", tmp_path / "rerun")):
        assert run_cli("simulate", "--config", source, "-o", folder, "-q").exit_code == 0
        for name in ("metrics.csv", "summary.csv"):
            assert without_timing(read_rows(folder / name)) == without_timing(read_rows(typed / name)), (source, name)


def test_precedence_is_defaults_then_quick_then_file_then_typed(tmp_path: Path) -> None:
    config = tmp_path / "c.toml"
    config.write_text('epochs = 7\npoints = 50\nlr = 0.5\n')
    assert config_of("simulate")["epochs"] == SimulateConfig.epochs
    assert config_of("simulate", "--quick")["epochs"] == 300 and config_of("simulate", "--quick")["points"] == 100
    both = config_of("simulate", "--quick", "--config", config)
    assert (both["epochs"], both["points"], both["depth"]) == (7, 50, [1, 4])  # the file beats the preset
    typed = config_of("simulate", "--quick", "--config", config, "--epochs", "9")
    assert (typed["epochs"], typed["points"], typed["lr"]) == (9, 50, 0.5)  # typed beats the file


def test_a_files_subset_is_exact_and_the_presets_is_a_limit(tmp_path: Path) -> None:
    config = tmp_path / "c.json"
    config.write_text(json.dumps({"subset": 123, "dataset": "digits"}))
    assert config_of("mnist", "--quick")["subset_is_limit"] is True
    exact = config_of("mnist", "--quick", "--config", config)
    assert exact["subset"] == 123 and exact["subset_is_limit"] is False and exact["test_subset_is_limit"] is True


def test_a_suite_file_gives_shared_keys_and_each_experiments_table(tmp_path: Path) -> None:
    config = tmp_path / "suite.toml"
    config.write_text('dataset = "digits"\nseed = 5\n[mnist]\nepochs = 1\n[simulate]\nepochs = 2\n')
    mnist, simulate = config_of("mnist", "--config", config), config_of("simulate", "--config", config)
    assert (mnist["dataset"], mnist["seed"], mnist["epochs"]) == ("digits", 5, 1)
    assert (simulate["seed"], simulate["epochs"]) == (5, 2) and "dataset" not in simulate


def test_hw1_all_passes_its_config_file_on_and_typed_options_still_win(tmp_path: Path) -> None:
    config = tmp_path / "suite.toml"
    config.write_text('[simulate]\nepochs = 5\ndepth = [1]\nfunction = ["sign"]\npoints = 40\n')
    root = tmp_path / "root"
    result = run_cli("all", "--only", "simulate", "--quick", "--config", config, "--seed", "2", "-o", root, "-q")
    assert result.exit_code == 0, result.output
    recorded = json.loads((root / "simulate" / "run.json").read_text())["config"]
    assert (recorded["epochs"], recorded["depth"], recorded["function"], recorded["seed"]) == (5, [1], ["sign"], 2)


@pytest.mark.parametrize(("content", "name", "message"), [
    ("epoch = 3\n", "c.toml", "c.toml: unknown key 'epoch' for hw1 mnist; did you mean 'epochs'?"),
    ('epochs = "ten"\n', "c.toml", "c.toml: epochs must be a whole number, not 'ten'"),
    ('dataset = "mnits"\n', "c.toml", "c.toml: unknown dataset 'mnits'; did you mean 'mnist'?"),
    ("model = 3\n", "c.toml", "c.toml: model must be a string, not 3"),
    ('{"epochs": 1.5}', "c.json", "c.json: epochs must be a whole number, not 1.5"),
    ("epochs = [1,\n", "c.toml", "is not valid TOML"),
    ("[mnsit]\nepochs = 1\n", "c.toml", "unknown table [mnsit]; did you mean [mnist]?"),
    (None, "missing.toml", "--config {tmp}/missing.toml: no such file"),
    (None, "", "is a folder; give a TOML or JSON file"),
    (b"\x7fELF\x02\x01\x01\x00\x00\xff\xfe", "junk.toml", "is not a text file"),
])
def test_bad_config_files_are_one_line_exit_2_and_nothing_written(tmp_path: Path, content, name: str, message: str) -> None:
    path = tmp_path / name
    if isinstance(content, str):
        path.write_text(content)
    elif isinstance(content, bytes):
        path.write_bytes(content)
    out = tmp_path / "out"
    line = one_error_line(run_cli("mnist", "--dataset", "digits", "--config", path, "-o", out))
    assert message.format(tmp=tmp_path) in line, line
    assert not out.exists()


def test_a_run_json_of_another_experiment_is_refused(tmp_path: Path) -> None:
    run = tmp_path / "run.json"
    run.write_text(json.dumps({"command": "simulate", "config": {"epochs": 3}}))
    assert "is the run.json of hw1 simulate, not of hw1 mnist" in one_error_line(run_cli("mnist", "--config", run))


def test_print_config_round_trips_through_config(tmp_path: Path) -> None:
    first = run_cli("mnist", "--quick", "--dataset", "digits", "--model", "lenet", "--print-config").stdout
    path = tmp_path / "c.toml"
    path.write_text(first)
    assert run_cli("mnist", "--config", path, "--print-config").stdout == first
    assert MnistConfig(**{k: tuple(v) if isinstance(v, list) else v for k, v in tomllib.loads(first).items()}).model \
        == ("lenet",)


# -- check and report are consistent with the rest ---------------------------------------------------------------

def test_report_takes_out_as_an_argument_or_with_o_and_is_quiet_with_q(tmp_path: Path) -> None:
    root = tmp_path / "root"
    assert run_cli("simulate", "--quick", "--epochs", "5", "--depth", "1", "-o", root / "simulate", "-q").exit_code == 0
    positional = run_cli("report", root)
    assert positional.exit_code == 0 and "Wrote" in positional.stdout and (root / "index.html").exists()
    assert run_cli("report", "-o", root).exit_code == 0
    quiet = run_cli("report", root, "-q")
    assert quiet.exit_code == 0 and quiet.stdout == ""
    assert "give the folder once" in one_error_line(run_cli("report", root, "-o", tmp_path / "other"))
    checked = run_cli("check", root, "-q", "--require", "not-refuted")
    assert checked.exit_code in (0, 4) and "claims:" not in checked.stdout


# -- --help at any width ---------------------------------------------------------------------------------------

def help_of(*args: str, columns: int) -> str:
    """`COLUMNS=N hw1 ARGS --help` (rich reads COLUMNS whenever Typer prints help)."""
    result = CliRunner().invoke(cli.app, [*args, "--help"], env={"COLUMNS": str(columns)}, prog_name="hw1")
    assert result.exit_code == 0, result.output
    return result.stdout


COMMANDS = [*registry.names(), "all", "report", "check", "sweep", "rerun", "export"]


@pytest.mark.parametrize("columns", [80, 120])
def test_help_has_no_bool_no_split_choice_and_real_metavars(columns: int) -> None:
    names = registry.names()
    for command in [None, *COMMANDS]:
        text = help_of(*([command] if command else []), columns=columns)
        assert max(len(line) for line in text.splitlines()) <= columns, command  # really at that width
        assert "<bool>" not in text, command
        # Python's and click's type names are no metavars (--grid showed <list[str]>, --threads <int range>)
        assert not re.search(r"list\[|int range|float range|<text>", text), f"a type name as a metavar in hw1 {command}"
        assert not re.search(r"<[^>\s]*\|", text), f"a choice list as a value type in hw1 {command} --help"
        assert "{" not in text.split("\n\n")[0] + text.splitlines()[1], f"braces in hw1 {command}'s usage line"
        assert "../shared" not in text, command
        if command in ("sweep", "check", "all"):
            words = set(re.findall(r"[\w-]+", text))
            assert set(names) <= words, f"an experiment name split in hw1 {command} --help"
    assert "Usage: hw1 sweep [OPTIONS] EXPERIMENT" in help_of("sweep", columns=columns)
    assert "check [OPTIONS] OUT" in help_of("check", columns=columns)


def test_sweep_help_reflows_its_docstring() -> None:
    text = help_of("sweep", columns=120)
    # a hard-wrapped docstring leaves a short fragment ending a line mid-sentence ("Each point is")
    assert "Each point is\n" not in text and "has one\n" not in text


def test_hw1_all_print_config_is_a_suite_file_that_reads_back(tmp_path: Path) -> None:
    printed = run_cli("all", "--quick", "--dataset", "digits", "--only", "mnist", "--only", "simulate",
                      "--args", "mnist: --epochs 1", "-o", tmp_path / "root", "--print-config")
    assert printed.exit_code == 0, printed.output
    tables = tomllib.loads(printed.stdout)
    assert list(tables) == ["simulate", "mnist"] and tables["mnist"]["epochs"] == 1
    assert tables["mnist"]["dataset"] == "digits" and not (tmp_path / "root").exists()
    path = tmp_path / "all.toml"
    path.write_text(printed.stdout)
    again = run_cli("all", "--only", "mnist", "--only", "simulate", "--config", path, "--print-config")
    assert tomllib.loads(again.stdout) == tables


def test_sweep_print_config_gives_each_points_config_as_toml_and_writes_nothing(tmp_path: Path) -> None:
    tomllib = pytest.importorskip("tomllib")  # Python 3.11+; the TOML itself is written without it

    out = tmp_path / "s"
    result = run_cli("sweep", "mnist", "--grid", "lr=0.1,0.01", "--seeds", "2", "--dataset", "digits", "--quick",
                     "-o", out, "--print-config")
    assert result.exit_code == 0, result.output
    tables = tomllib.loads(result.stdout)
    assert sorted(tables) == ["lr=0.01_seed=0", "lr=0.01_seed=1", "lr=0.1_seed=0", "lr=0.1_seed=1"]
    assert tables["lr=0.01_seed=1"]["lr"] == 0.01 and tables["lr=0.01_seed=1"]["seed"] == 1
    assert not out.exists()
