"""hw1cli.api: the command line's own path from Python. Its results equal the CLI's files, its errors are the
CLI's messages, and it loads run, suite and sweep folders."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
from pathlib import Path

import pytest
from conftest import read_rows, run_cli, without_timing

from hw1cli import api, signals

ROOT = Path(__file__).resolve().parents[1]

TINY = dict(dataset="digits", quick=True, epochs=1, subset=200, test_subset=100)
TINY_ARGV = ("--dataset", "digits", "--quick", "--epochs", "1", "--subset", "200", "--test-subset", "100", "-q")


def test_api_run_equals_the_cli_files(tmp_path: Path) -> None:
    cli = run_cli("mnist", *TINY_ARGV, "--model", "shallow", "--model", "deep", "-o", tmp_path / "cli")
    assert cli.exit_code == 0, cli.output
    run = api.run("mnist", model=["shallow", "deep"], output_dir=tmp_path / "api", **TINY)
    assert run.status == "completed" and run.experiment == "mnist" and run.folder == tmp_path / "api"
    for name in ("metrics.csv", "summary.csv", "claims.csv"):
        assert without_timing(read_rows(tmp_path / "api" / name)) == without_timing(read_rows(tmp_path / "cli" / name))
    assert [r["model"] for r in run.summary] == ["shallow", "deep"]
    assert len(run.metrics) == 2 and {p.name for p in run.figures} >= {"accuracy.png", "loss.png"}
    assert {c.claim_id for c in run.claims} == {r["claim"] for r in read_rows(tmp_path / "cli" / "claims.csv")}
    assert run.config["model"] == ["shallow", "deep"]


@pytest.mark.parametrize(("options", "argv"), [
    ({"epochs": 0}, ("--epochs", "0")),
    ({"model": "bogus"}, ("--model", "bogus")),
    ({"epoch": 3}, ("--epoch", "3")),
])
def test_a_bad_option_raises_the_message_the_cli_prints(tmp_path: Path, options: dict, argv: tuple) -> None:
    cli = run_cli("mnist", "--dataset", "digits", *argv, "-o", tmp_path / "cli")
    assert cli.exit_code == 2
    line = cli.stderr.strip().splitlines()[-1]
    with pytest.raises(api.UsageError) as raised:
        api.run("mnist", dataset="digits", output_dir=tmp_path / "api", **options)
    assert line.endswith(str(raised.value)), (line, str(raised.value))
    assert not (tmp_path / "api").exists()


def test_loading_a_suite_gives_every_experiments_claims(tmp_path: Path) -> None:
    root = tmp_path / "suite"
    result = run_cli("all", "--quick", "--dataset", "digits", "--only", "mnist", "--only", "randlabel", "-o", root, "-q")
    assert result.exit_code == 0, result.output
    suite = api.load(root)
    assert isinstance(suite, api.Suite) and set(suite.runs) == {"mnist", "randlabel"}
    by_run = {name: {c.claim_id for c in run.claims} for name, run in suite.runs.items()}
    for name, ids in by_run.items():
        assert ids == {r["claim"] for r in read_rows(root / name / "claims.csv")} and ids
    assert len(suite.claims) == sum(len(v) for v in by_run.values())
    assert isinstance(api.load(root / "mnist"), api.Run)
    with pytest.raises(api.UsageError, match="no hw1 run"):
        api.load(tmp_path)


# -- the API is a library: the caller's process is as it was after a run ---------------------------------------------
SHALLOW = dict(TINY, model="shallow")


@pytest.fixture(scope="module")
def tiny_run(tmp_path_factory: pytest.TempPathFactory) -> api.Run:
    return api.run("mnist", output_dir=tmp_path_factory.mktemp("tiny") / "run", **SHALLOW)


CALLER = """
import json, sys
import matplotlib
if sys.argv[2] != "unset":
    matplotlib.use(sys.argv[2])
matplotlib.rcParams.update({"figure.dpi": 77, "font.size": 9})
before = {k: repr(v) for k, v in matplotlib.rcParams.items()}
from hw1cli import api
run = api.run("mnist", output_dir=sys.argv[1], dataset="digits", quick=True, model="shallow", epochs=1, subset=200,
              test_subset=100)
after = {k: repr(v) for k, v in matplotlib.rcParams.items()}
print(json.dumps({"changed": sorted(k for k in before if before[k] != after[k]), "figures": len(run.figures)}))
"""


@pytest.mark.parametrize("backend", ["svg", "unset"])
def test_a_run_leaves_the_callers_matplotlib_backend_and_rcparams_alone(tmp_path: Path, backend: str) -> None:
    """A notebook's backend (inline) and settings stay its own; headless (no DISPLAY, no MPLBACKEND) still works."""
    env = {k: v for k, v in os.environ.items() if k not in ("DISPLAY", "WAYLAND_DISPLAY", "MPLBACKEND")}
    env["PYTHONPATH"] = os.pathsep.join([str(ROOT), env.get("PYTHONPATH", "")])
    proc = subprocess.run([sys.executable, "-c", CALLER, str(tmp_path / "run"), backend], capture_output=True, text=True,
                          env=env, cwd=tmp_path, timeout=300)
    assert proc.returncode == 0, proc.stderr
    result = json.loads(proc.stdout.strip().splitlines()[-1])
    assert result == {"changed": [], "figures": 2}, result  # old: backend agg, and hw1's dpi, grid, font sizes


def test_hw1s_figures_look_the_same_whatever_the_callers_rcparams(tiny_run: api.Run, tmp_path: Path) -> None:
    """hw1's style is applied while it makes and saves its figures: the caller's settings neither leak into
    them nor are changed by them."""
    import matplotlib

    odd = {"figure.dpi": 50, "font.size": 20, "axes.grid": False, "grid.alpha": 1.0, "legend.fontsize": "xx-large",
           "axes.titlesize": "xx-small", "figure.titlesize": "xx-small", "legend.framealpha": 0.1}
    with matplotlib.rc_context(odd):
        callers = dict(matplotlib.rcParams)
        run = api.run("mnist", output_dir=tmp_path / "odd", **SHALLOW)
        assert dict(matplotlib.rcParams) == callers
    names = [p.name for p in tiny_run.figures]
    assert names == [p.name for p in run.figures] and names
    for name in names + [n.replace(".png", ".phone.png") for n in names]:
        assert (run.folder / name).read_bytes() == (tiny_run.folder / name).read_bytes(), name


def _handler(signum: int, frame: object) -> None:
    raise AssertionError(f"signal {signum}")


@pytest.fixture
def own_handlers():
    """The caller's (a script's) own handlers, put back after the test."""
    if threading.current_thread() is not threading.main_thread():
        pytest.skip("signal handlers are set on the main thread only")
    previous = {sig: signal.getsignal(sig) for sig in signals.HANDLED}
    for sig in signals.HANDLED:
        signal.signal(sig, _handler)
    yield
    for sig, handler in previous.items():
        signal.signal(sig, handler if handler is not None else signal.SIG_DFL)


def test_a_run_gives_back_the_signal_handlers_and_sys_argv_and_records_its_own_command(tmp_path: Path,
                                                                                       own_handlers: None) -> None:
    argv = list(sys.argv)
    run = api.run("mnist", output_dir=tmp_path / "run", **SHALLOW)
    assert {sig: signal.getsignal(sig) for sig in signals.HANDLED} == dict.fromkeys(signals.HANDLED, _handler)
    assert sys.argv == argv
    assert run.record["argv"][:2] == ["hw1", "mnist"] and run.record["argv"][-2:] == ["-o", str(tmp_path / "run")]
    assert "--epochs" in run.record["argv"] and "--quick" in run.record["argv"]
    cli = run_cli(*run.record["argv"][1:-1], tmp_path / "cli")  # the recorded command reruns it
    assert cli.exit_code == 0, cli.output
    assert without_timing(read_rows(tmp_path / "cli" / "summary.csv")) == without_timing(run.summary)


def test_a_run_without_output_dir_records_the_default_folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    run = api.run("mnist", **SHALLOW)
    assert run.record["argv"][-2:] == ["-o", str(Path("outputs") / "mnist")]


def test_a_signal_during_a_run_still_interrupts_it(tmp_path: Path, own_handlers: None,
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    from hw1cli.experiments.mnist import plots

    signal.signal(signal.SIGINT, signal.default_int_handler)
    monkeypatch.setattr(plots, "loss_curves", lambda *a, **k: signal.raise_signal(signal.SIGINT))  # Ctrl-C mid-run
    with pytest.raises(api.RunFailed) as raised:
        api.run("mnist", output_dir=tmp_path / "run", **SHALLOW)
    assert raised.value.exit_code == 130
    assert json.loads((tmp_path / "run" / "run.json").read_text())["status"] == "interrupted"
    assert signal.getsignal(signal.SIGINT) is signal.default_int_handler  # Ctrl-C stops the script again
    assert signal.getsignal(signal.SIGTERM) is _handler


@pytest.mark.parametrize("name", ["print_config", "help", "json", "debug"])
def test_command_line_only_options_are_refused(tmp_path: Path, name: str) -> None:
    with pytest.raises(api.UsageError, match=f"^{name} is an option of the command line only: ") as raised:
        api.run("mnist", output_dir=tmp_path / "run", **{name: True}, **SHALLOW)
    assert "\n" not in str(raised.value)
    assert not (tmp_path / "run").exists()


def test_a_false_command_line_only_option_asks_for_nothing(tmp_path: Path) -> None:
    # debug=False, json=False: what api.run does anyway (the first version of the refusal refused them too)
    done = api.run("mnist", output_dir=tmp_path / "run", debug=False, json=False, print_config=False, **SHALLOW)
    assert done.status == "completed" and (tmp_path / "run" / "summary.csv").is_file()


@pytest.mark.parametrize(("options", "message"), [
    ({"epochs": [1, 2]}, "epochs takes one value, not a list"),
    ({"lr": (0.1, 0.2)}, "lr takes one value, not a tuple"),
    ({"quick": 1}, "quick is an on/off option: pass True or False, not 1"),
    ({"force": "true"}, "force is an on/off option: pass True or False, not 'true'"),
    ({"no_download": "yes"}, "no_download is an on/off option: pass True or False, not 'yes'"),
    ({"download": False, "no_download": True}, "pass download or no_download, not both"),
    ({"no_quick": True}, "no_quick is not an option: pass quick=False"),
])
def test_values_of_the_wrong_shape_are_refused_naming_the_option(tmp_path: Path, options: dict, message: str) -> None:
    base = {k: v for k, v in SHALLOW.items() if k not in options}
    with pytest.raises(api.UsageError) as raised:
        api.run("mnist", output_dir=tmp_path / "run", **base, **options)
    assert str(raised.value) == message
    assert not (tmp_path / "run").exists()


@pytest.mark.parametrize(("options", "argv"), [
    ({"no_download": True}, ["--no-download"]),
    ({"no_download": False}, ["--download"]),
    ({"download": False}, ["--no-download"]),
    ({"model": ("shallow", "deep")}, ["--model", "shallow", "--model", "deep"]),
    ({"model": {"shallow", "deep", "medium"}}, ["--model", "deep", "--model", "medium", "--model", "shallow"]),
    ({"model": (m for m in ["deep"])}, ["--model", "deep"]),
    ({"data_dir": Path("data")}, ["--data-dir", "data"]),
])
def test_keyword_options_as_argv(options: dict, argv: list[str]) -> None:
    from hw1cli import registry
    from hw1cli.commands.requests import command_for

    assert api.to_argv(command_for(registry.find("mnist")), options) == argv


def test_show_outside_ipython_prints_the_figures_paths(tiny_run: api.Run, capsys: pytest.CaptureFixture) -> None:
    tiny_run.show()
    assert capsys.readouterr().out.splitlines() == [str(p) for p in tiny_run.figures]


def test_a_frame_without_pandas_names_the_rows_to_use(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "pandas", None)  # import pandas raises ImportError
    with pytest.raises(ImportError, match=r"use the rows: \.table\)$"):
        api.Sweep(tmp_path, {}).table_frame()
    with pytest.raises(ImportError, match=r"use the rows: \.summary, \.metrics\)$"):
        api.Run(tmp_path, "mnist", {}).summary_frame()
