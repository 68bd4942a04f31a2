"""hw1cli.api: the command line's own path from Python. Its results equal the CLI's files, its errors are the
CLI's messages, and it loads run, suite and sweep folders."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import read_rows, run_cli, without_timing

from hw1cli import api

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
