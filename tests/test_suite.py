"""hw1 all and hw1 report: isolation of failures, the self-contained HTML report, the Markdown report."""

from __future__ import annotations

import base64
import json
import os
import signal
import subprocess
import sys
import time
from html.parser import HTMLParser
from pathlib import Path

import pytest
from conftest import read_rows, run_cli

from hw1cli import registry


class ReportParser(HTMLParser):
    """Collects each <section id=...> and the embedded images inside it."""

    def __init__(self) -> None:
        super().__init__()
        self.sections: dict[str, list[str]] = {}
        self.current: str | None = None
        self.external: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attributes = dict(attrs)
        if tag == "section":
            self.current = attributes.get("id")
            self.sections[self.current or ""] = []
        elif tag == "img" and self.current:
            self.sections[self.current].append(attributes.get("src") or "")
        elif tag in ("script", "link") or (tag == "img" and not self.current):
            self.external.append(tag)


def parse(path: Path) -> ReportParser:
    parser = ReportParser()
    parser.feed(path.read_text(encoding="utf-8"))
    return parser


def test_all_reports_every_experiment_and_isolates_a_failure(tmp_path: Path) -> None:
    root = tmp_path / "suite"
    result = run_cli(
        "all", "--quick", "--dataset", "digits", "--only", "simulate", "--only", "gradnorm", "--only", "randlabel",
        "--args", "simulate: --epochs 40", "--args", "randlabel: --noise 1.5", "-o", root, "--quiet",
    )
    assert result.exit_code == 1, result.output
    assert "1 of 3 experiments did not complete: randlabel" in result.stderr
    report = parse(root / "index.html")
    assert list(report.sections) == ["simulate", "gradnorm"]
    assert len(report.sections["simulate"]) == 4 and len(report.sections["gradnorm"]) == 1
    for images in report.sections.values():
        for src in images:
            assert src.startswith("data:image/png;base64,")
            assert base64.b64decode(src.split(",", 1)[1])[:4] == b"\x89PNG"
    assert not report.external  # self-contained: opens from disk with no network
    markdown = (root / "report.md").read_text()
    assert "## HW1-1 Deep vs shallow: fitting a function (`hw1 simulate`)" in markdown
    assert "(simulate/loss_sinc.png)" in markdown and "randlabel" not in markdown.split("##", 1)[1].split("\n")[0]


def test_report_rebuilds_without_training(tmp_path: Path) -> None:
    root = tmp_path / "r"
    assert run_cli("gradnorm", "--iterations", "5", "-o", root / "gradnorm", "-q").exit_code == 0
    result = run_cli("report", "-o", root)
    assert result.exit_code == 0 and "index.html" in result.stdout
    assert list(parse(root / "index.html").sections) == ["gradnorm"]
    missing = run_cli("report", "-o", tmp_path / "nothing")
    assert missing.exit_code == 2
    (tmp_path / "empty").mkdir()
    empty = run_cli("report", "-o", tmp_path / "empty")
    assert empty.exit_code == 2 and "no hw1 run folders" in empty.stderr and not list((tmp_path / "empty").iterdir())
    one_run = run_cli("report", "-o", root / "gradnorm")
    assert one_run.exit_code == 2 and "one run's folder" in one_run.stderr
    assert not (root / "gradnorm" / "index.html").exists()


def test_all_rejects_unknown_experiment(tmp_path: Path) -> None:
    result = run_cli("all", "--only", "nosuch", "-o", tmp_path)
    assert result.exit_code == 2 and result.stderr.count("\n") == 1


def test_seed_scale_preset_tiles_the_data_experiments_only() -> None:
    from hw1cli.commands.suite import _arguments

    data = {"dataset": "mnist", "data_dir": "d", "download": False, "subset": None, "test_subset": None, "tile": 60000}
    options = {"device": "cpu", "seed": 0, "data": data, "quick": False, "quiet": True, "force": False, "resume": False,
               "debug": False}
    mnist = _arguments(registry.get("mnist").data, Path("o"), ["--epochs", "2"], options)
    assert "--tile" in mnist and mnist[mnist.index("--tile") + 1] == "60000" and mnist[-2:] == ["--epochs", "2"]
    simulate = _arguments(registry.get("simulate").data, Path("o"), [], options)
    assert "--tile" not in simulate and "--dataset" not in simulate


def test_tile_repeats_the_training_set(tmp_path: Path) -> None:
    result = run_cli("randlabel", "--dataset", "digits", "--tile", "3000", "--epochs", "1", "-o", tmp_path / "t", "-q")
    assert result.exit_code == 0, result.output
    assert read_rows(tmp_path / "t" / "summary.csv")[0]["labels_replaced"] == "3000"


def test_resume_skips_finished_experiments_and_runs_the_rest(tmp_path: Path) -> None:
    root = tmp_path / "suite"
    first = run_cli("all", "--quick", "--only", "gradnorm", "-o", root, "-q")
    assert first.exit_code == 0
    stamp = (root / "gradnorm" / "run.json").read_text()
    resumed = run_cli("all", "--quick", "--only", "gradnorm", "--only", "simulate", "--resume",
                      "--args", "simulate: --epochs 10", "-o", root, "-q")
    assert resumed.exit_code == 0, resumed.output
    assert (root / "gradnorm" / "run.json").read_text() == stamp  # finished: not run again
    assert len(read_rows(root / "simulate" / "metrics.csv")) == 2 * 2 * 10  # never reached before: run now


def test_bad_options_are_reported_before_anything_trains_and_the_rest_still_run(tmp_path: Path) -> None:
    root = tmp_path / "suite"
    result = run_cli("all", "--quick", "--dataset", "digits", "--only", "simulate", "--only", "gradnorm",
                     "--args", "gradnorm: --bogus 3", "--args", "simulate: --epochs 5", "-o", root, "-q")
    assert result.exit_code == 1
    lines = result.stderr.splitlines()
    assert lines[0] == "Error: gradnorm: No such option: --bogus"  # first, before simulate trained
    assert "1 of 2 experiments did not complete: gradnorm" in lines[-1]
    assert (root / "simulate" / "summary.csv").exists() and not (root / "gradnorm").exists()


@pytest.mark.parametrize(
    ("args", "mention"),
    [
        (["--only", "gradnorm", "--args", "mnist: --epochs 1"], "leave out"),
        (["--args", "gradnorm: -o elsewhere"], "cannot set -o"),
        (["--args", "gradnorm: --output-dir=elsewhere"], "cannot set --output-dir"),
        (["--preset", "seed-scale", "--quick"], "--quick"),
        (["--preset", "seed-scale", "--tile", "1000"], "--tile"),
        (["--args", "gradnorm: --iterations '5"], "quotation"),
        (["--args", "gradnorm: -o/tmp/elsewhere"], "cannot set -o/tmp/elsewhere"),
        (["--args", "gradnorm: -qo elsewhere"], "cannot set -qo"),
        (["--args", "gradnorm: --help"], "--help"),
        (["--device", "cuda:7"], "--device cuda:7"),  # every experiment refuses it: said once, exit 2
        (["--seed", "-1"], "--seed"),
    ],
)
def test_suite_usage_errors_exit_2_before_anything_runs(tmp_path: Path, args: list[str], mention: str) -> None:
    result = run_cli("all", "--dataset", "digits", *args, "-o", tmp_path / "root", "-q")
    assert result.exit_code == 2 and result.stderr.count("\n") == 1 and mention in result.stderr, result.stderr
    assert not (tmp_path / "root").exists()


def test_the_suite_root_is_checked_like_a_run_folder(tmp_path: Path) -> None:
    foreign = tmp_path / "notes"
    foreign.mkdir()
    (foreign / "notes.txt").write_text("mine")
    refused = run_cli("all", "--quick", "--only", "gradnorm", "-o", foreign, "-q")
    assert refused.exit_code == 2 and "notes.txt" in refused.stderr and sorted(os.listdir(foreign)) == ["notes.txt"]
    run_folder = tmp_path / "g"
    assert run_cli("gradnorm", "--iterations", "3", "-o", run_folder, "-q").exit_code == 0
    inside = run_cli("all", "--quick", "--only", "gradnorm", "-o", run_folder, "-q")
    assert inside.exit_code == 2 and "run folder of one experiment" in inside.stderr
    assert run_cli("all", "--quick", "--only", "gradnorm", "-o", foreign, "--force", "-q").exit_code == 0
    # run folders of any name are ours, not foreign: the report shows them beside the suite's own
    home = tmp_path / "home"
    assert run_cli("gradnorm", "--iterations", "3", "-o", home / "short", "-q").exit_code == 0
    assert run_cli("all", "--quick", "--only", "gradnorm", "-o", home, "-q").exit_code == 0
    assert 'id="short"' in (home / "index.html").read_text()


def test_data_options_pass_through_to_the_data_experiments(tmp_path: Path) -> None:
    root = tmp_path / "s"
    result = run_cli("all", "--quick", "--dataset", "digits", "--only", "randlabel", "--subset", "300", "--debug", "-o", root, "-q")
    assert result.exit_code == 0, result.output
    config = json.loads((root / "randlabel" / "run.json").read_text())["config"]
    assert config["subset"] == 300
    assert read_rows(root / "randlabel" / "summary.csv")[0]["labels_replaced"] == str(round(300 * config["noise"]))


def test_a_conflicting_run_folder_is_found_before_anything_trains(tmp_path: Path) -> None:
    root = tmp_path / "suite"
    assert run_cli("simulate", "--epochs", "3", "--depth", "1", "-o", root / "gradnorm", "-q").exit_code == 0
    result = run_cli("all", "--quick", "--only", "simulate", "--only", "gradnorm", "--args", "simulate: --epochs 5",
                     "-o", root, "-q")
    assert result.exit_code == 1
    assert result.stderr.splitlines()[0].startswith("Error: gradnorm: ") and "hw1 simulate" in result.stderr.splitlines()[0]
    assert (root / "simulate" / "summary.csv").exists()


def test_a_root_below_a_file_is_one_line(tmp_path: Path) -> None:
    (tmp_path / "afile").write_text("x")
    result = run_cli("all", "--quick", "--only", "gradnorm", "-o", tmp_path / "afile" / "sub", "-q")
    assert result.exit_code == 1 and result.stderr.count("\n") == 1 and "is a file" in result.stderr


def test_sigterm_stops_the_suite_with_143(tmp_path: Path) -> None:
    proc = subprocess.Popen(
        [sys.executable, "-m", "hw1cli", "all", "--quick", "--only", "simulate", "--args", "simulate: --epochs 200000",
         "-o", str(tmp_path / "s"), "-q"], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )
    metrics = tmp_path / "s" / "simulate" / "metrics.csv"
    deadline = time.monotonic() + 60
    while not (metrics.exists() and metrics.read_text().count("\n") > 5) and time.monotonic() < deadline:
        time.sleep(0.05)
    proc.send_signal(signal.SIGTERM)
    assert proc.wait(timeout=60) == 143
    assert json.loads((tmp_path / "s" / "simulate" / "run.json").read_text())["status"] == "interrupted"


def test_a_resume_with_changed_options_is_refused_before_anything_trains(tmp_path: Path) -> None:
    root = tmp_path / "suite"
    assert run_cli("all", "--quick", "--only", "gradnorm", "--only", "simulate", "--args", "simulate: --epochs 5",
                   "-o", root, "-q").exit_code == 0
    record = json.loads((root / "gradnorm" / "run.json").read_text())
    (root / "gradnorm" / "run.json").write_text(json.dumps({**record, "status": "interrupted"}))
    result = run_cli("all", "--quick", "--only", "gradnorm", "--only", "simulate", "--args", "simulate: --epochs 5",
                     "--args", "gradnorm: --iterations 7", "--resume", "-o", root, "-q")
    assert result.exit_code == 2  # simulate is finished and gradnorm refused: nothing runs
    assert result.stderr.splitlines()[0].startswith("Error: gradnorm: --resume must repeat")
