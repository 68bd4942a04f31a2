"""hw1cli.api: the command line's own path from Python. Its results equal the CLI's files, its errors are the
CLI's messages, and it loads run, suite and sweep folders."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import read_rows, run_cli, without_timing

from hw1cli import api

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
