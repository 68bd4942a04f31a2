"""hw1 all and hw1 report: isolation of failures, the self-contained HTML report, the Markdown report."""

from __future__ import annotations

import base64
from html.parser import HTMLParser
from pathlib import Path

import typer
from conftest import read_rows, run_cli


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


def test_all_rejects_unknown_experiment(tmp_path: Path) -> None:
    result = run_cli("all", "--only", "nosuch", "-o", tmp_path)
    assert result.exit_code == 2 and result.stderr.count("\n") == 1


def test_seed_scale_preset_tiles_the_data_experiments_only() -> None:
    from hw1cli.cli import app
    from hw1cli.commands.suite import _arguments

    group = typer.main.get_command(app)
    options = {"device": "cpu", "seed": 0, "dataset": "mnist", "data_dir": "d", "download": False,
               "quick": False, "quiet": True, "force": False, "resume": False, "seed_scale": True}
    mnist = _arguments(group.commands["mnist"], "mnist", Path("o"), ["--epochs", "2"], options)
    assert "--tile" in mnist and mnist[mnist.index("--tile") + 1] == "60000" and mnist[-2:] == ["--epochs", "2"]
    simulate = _arguments(group.commands["simulate"], "simulate", Path("o"), [], options)
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
