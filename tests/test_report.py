"""The report's text: cut tables say what they leave out, descriptions and statuses match the run folders."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

from hw1cli.output import write_csv
from hw1cli.report import write_report


def fake_run(root: Path, name: str, rows: list[dict[str, Any]], **record: Any) -> None:
    """A run folder as a finished (or not) experiment leaves it: run.json and summary.csv, no training."""
    folder = root / name
    folder.mkdir(parents=True)
    run = {"command": name, "status": "completed", "config": {}, "finished_at": "2024-01-01T00:00:00+00:00",
           "duration_seconds": 1.0, "files": ["summary.csv"], **record}
    (folder / "run.json").write_text(json.dumps(run))
    write_csv(folder / "summary.csv", rows)


def minratio_rows(count: int) -> list[dict[str, Any]]:
    # ratios 0.300, 0.301, ..., 0.399; a quarter of the runs missed the tolerance
    return [{"run": k, "minimal_ratio": 0.3 + k / 1000, "reached_tol": k % 4 != 0} for k in range(count)]


def section(text: str, name: str) -> str:
    return text.split(f'<section id="{name}">', 1)[1].split("</section>", 1)[0]


def test_report_states_left_out_rows_counts_and_key_numbers(tmp_path: Path) -> None:
    fake_run(tmp_path, "pca", [{"run": k, "whole_pc1_explained": 0.5, "whole_pc2_explained": 0.25,
                                "layer1_pc1_explained": 0.5, "layer1_pc2_explained": 0.1} for k in range(3)],
             config={"runs": 3})
    fake_run(tmp_path, "minratio", minratio_rows(100))
    html_path, md_path = write_report(tmp_path)
    page, markdown = html_path.read_text(), md_path.read_text()

    minratio = section(page, "minratio")
    assert minratio.count("<tr><td>") == 40  # the table is still cut at 40 rows, but says so
    assert "Showing the first 40 of 100 rows; 60 more are in <a href='minratio/summary.csv'>" in minratio
    assert "*Showing the first 40 of 100 rows; 60 more are in [minratio/summary.csv](minratio/summary.csv).*" in markdown
    assert len(re.findall(r"^\| \d+ \| 0\.3", markdown, flags=re.MULTILINE)) == 40
    # the summary `hw1 all` prints is in the report too; 100 runs: the median is the middle pair's mean
    # (0.349 + 0.350) / 2 prints as 0.349; the upper middle value alone, used before, printed 0.350
    key = "minimal ratio 0.300–0.399 (median 0.349); 75/100 reached the gradient tolerance"
    assert key in minratio and f"Key numbers: {key}" in markdown

    pca = section(page, "pca")
    assert "3 runs&#x27; weights" in pca and "Eight" not in page
    assert "3 runs' weights, projected" in markdown
    assert "Showing" not in pca  # 3 rows: nothing left out, no note


def test_minratio_median_is_the_mean_of_the_middle_pair(tmp_path: Path) -> None:
    rows = [{"run": k, "minimal_ratio": r, "reached_tol": True} for k, r in enumerate((0.2, 0.4, 0.5, 0.9))]
    rows.append({"run": 4, "minimal_ratio": None, "reached_tol": False})  # diverged: no ratio, still a run
    fake_run(tmp_path, "minratio", rows)
    _, md_path = write_report(tmp_path)
    # median of 0.2, 0.4, 0.5, 0.9 is 0.45 (the upper middle, 0.5, was shown before)
    assert "Key numbers: minimal ratio 0.200–0.900 (median 0.450); 4/5 reached the gradient tolerance" in md_path.read_text()


def test_a_run_that_never_finished_is_not_called_running(tmp_path: Path) -> None:
    fake_run(tmp_path, "gradnorm", [{"final_loss": 0.5, "final_grad_norm": 0.25}], status="running",
             finished_at=None, duration_seconds=None)
    fake_run(tmp_path, "pca", [], status="running", finished_at=None, config={"runs": 5})
    html_path, md_path = write_report(tmp_path)
    page, markdown = html_path.read_text(), md_path.read_text()
    honest = "running, or stopped without finishing: run.json has no finished_at"
    assert f"Status: <strong>{honest}</strong>" in section(page, "gradnorm")
    assert f"Status: **{honest}**" in markdown and "Status: **running**" not in markdown
    assert "5 runs' weights" in markdown  # no summary yet: the configured count
