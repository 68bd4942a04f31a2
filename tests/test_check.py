"""`hw1 check` (exit 0 / 4 / 2 / 1, no torch), claims.csv written by a run, and the report's claims table."""

from __future__ import annotations

from pathlib import Path

import pytest
from claims_helpers import make_run
from conftest import read_rows, run_cli
from test_startup import heavy_imports

from hw1cli.report import write_report

SUPPORTED_PARAMS = {"summary.csv": [{"width": w, "params": 1000 * w, "seed": 0, "train_loss": 2.0 / w, "test_loss": 2.0 / w + w / 100}
                                    for w in (4, 8, 16, 32, 64)]}  # both params claims supported (n = 5, ρ = ±1)
INCONCLUSIVE_MNIST = {"summary.csv": [{"model": "shallow", "test_acc": 0.97}, {"model": "deep", "test_acc": 0.98}]}
REFUTED_SENSITIVITY = {"summary.csv": [{"batch_size": b, "sensitivity": 1 / b, "sharpness_percent": 1 / b} for b in (16, 64, 256, 1024, 4096)]}


@pytest.fixture
def suite(tmp_path: Path) -> Path:
    make_run(tmp_path / "params", "params", SUPPORTED_PARAMS)
    make_run(tmp_path / "mnist", "mnist", INCONCLUSIVE_MNIST)
    return tmp_path


def test_exit_0_when_every_claim_meets_the_requirement(suite: Path) -> None:
    result = run_cli("check", suite)
    assert result.exit_code == 0, result.output
    assert "3 claims: 2 supported, 0 not supported, 1 inconclusive" in result.stdout
    assert run_cli("check", suite, "--require", "supported", "--experiment", "params").exit_code == 0
    assert run_cli("check", suite / "params", "--require", "supported").exit_code == 0  # one run folder


def test_exit_4_when_a_claim_fails_it(suite: Path) -> None:
    result = run_cli("check", suite, "--require", "supported")  # mnist's one seed is only inconclusive
    # the closing sentence wraps at spaces where $COLUMNS is narrow (pytest-xdist's workers set 80)
    assert result.exit_code == 4 and "not met by 1" in " ".join(result.stdout.split())
    make_run(suite / "sensitivity", "sensitivity", REFUTED_SENSITIVITY)
    result = run_cli("check", suite, "--require", "not-refuted")
    assert result.exit_code == 4 and "2 not supported" in " ".join(result.stdout.split())


def test_an_unfinished_run_is_inconclusive(suite: Path) -> None:
    make_run(suite / "sensitivity", "sensitivity", REFUTED_SENSITIVITY, status="interrupted")
    result = run_cli("check", suite, "--experiment", "sensitivity")
    assert result.exit_code == 0 and "interrupted" in result.stdout


@pytest.mark.parametrize(("args", "message"), [
    (["--require", "maybe"], "unknown --require 'maybe' (choose from supported, not-refuted)"),
    (["--experiment", "Mnist"], "unknown --experiment 'Mnist'; did you mean 'mnist'?"),
    (["--experiment", "pca"], "no run folders of pca in"),
])
def test_exit_2_for_usage_errors(suite: Path, args: list[str], message: str) -> None:
    result = run_cli("check", suite, *args)
    assert result.exit_code == 2 and message in result.stderr
    assert result.stderr.count("\n") == 1 and "Traceback" not in result.output


def test_exit_2_without_run_folders(tmp_path: Path) -> None:
    result = run_cli("check", tmp_path / "missing")
    assert result.exit_code == 2 and "no run folders" in result.stderr


def test_exit_1_for_unreadable_files(suite: Path) -> None:
    (suite / "params" / "summary.csv").write_text("width,params\n4,oops\n")  # columns gone: not what params writes
    result = run_cli("check", suite)
    assert result.exit_code == 1 and "lacks the columns train_loss, test_loss" in result.stderr
    (suite / "params" / "summary.csv").unlink()
    (suite / "mnist" / "run.json").write_text("{not json")
    result = run_cli("check", suite)
    assert result.exit_code == 1 and "cannot read" in result.stderr and result.stderr.count("\n") == 1


def test_check_does_not_import_torch(suite: Path) -> None:
    heavy, code = heavy_imports("check", str(suite))  # `hw1 check` in a fresh interpreter, as CI runs it
    assert code == 0 and heavy == []


def test_a_run_writes_claims_csv(tmp_path: Path) -> None:
    out = tmp_path / "gradnorm"
    assert run_cli("gradnorm", "--quick", "--iterations", "60", "-o", out, "-q").exit_code == 0
    rows = read_rows(out / "claims.csv")
    assert [r["claim"] for r in rows] == ["loss_falls", "norm_rebounds"]
    assert {r["verdict"] for r in rows} <= {"supported", "not supported", "inconclusive"}
    assert all(r["experiment"] == "gradnorm" and r["seeds"] == "1" and r["evidence"] for r in rows)
    assert '"claims.csv"' in (out / "run.json").read_text()  # owned by the run: a rerun sets it aside too


def test_report_opens_with_the_claims_table(suite: Path) -> None:
    html_path, md_path = write_report(suite)
    markdown = md_path.read_text()
    claims = markdown.index("## Claims")
    assert claims < markdown.index("## HW1-1")
    assert "| ? | [mnist](#mnist) | At equal size" in markdown and '<a id="mnist"></a>' in markdown
    assert "| ✔ | [params](#params) | Training loss falls" in markdown
    page = html_path.read_text()
    assert page.index('<h2 id="hw1-claims">Claims</h2>') < page.index('<section id="mnist">') and 'href="#params"' in page
