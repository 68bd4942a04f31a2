"""The report's text: cut tables say what they leave out, descriptions and statuses match the run folders."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any
from urllib.parse import unquote

from hw1cli.files import write_csv
from hw1cli.report import about, write_report


def fake_run(root: Path, name: str, rows: list[dict[str, Any]], *, pngs: tuple[str, ...] = (), **record: Any) -> None:
    """A run folder as a finished (or not) experiment leaves it: run.json, summary.csv and the figures named
    in `pngs`, no training. `name` is the folder; pass command=... for a run outside its canonical folder."""
    folder = root / name
    folder.mkdir(parents=True)
    run = {"command": name, "status": "completed", "config": {}, "finished_at": "2024-01-01T00:00:00+00:00",
           "duration_seconds": 1.0, "files": ["summary.csv", *pngs], **record}
    (folder / "run.json").write_text(json.dumps(run))
    write_csv(folder / "summary.csv", rows)
    for png in pngs:
        (folder / png).write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(16))


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
    assert 'Showing the first 40 of 100 rows; 60 more are in <a href="minratio/summary.csv">' in minratio
    assert "*Showing the first 40 of 100 rows; 60 more are in [minratio/summary.csv](minratio/summary.csv).*" in markdown
    assert len(re.findall(r"^\| \d+ \| 0\.3", markdown, flags=re.MULTILINE)) == 40
    # the summary `hw1 all` prints is in the report too; 100 runs: the median is the middle pair's mean
    # (0.349 + 0.350) / 2 prints as 0.349; the upper middle value alone, used before, printed 0.350
    key = "minimal ratio 0.300–0.399 (median 0.349); 75/100 reached the gradient tolerance"
    assert key in minratio and f"Key numbers: {key}" in markdown

    pca = section(page, "pca")
    assert "3 runs&#39; weights" in pca and "Eight" not in page
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
    assert f"Status: **{honest.replace('_', chr(92) + '_')}**" in markdown and "Status: **running**" not in markdown
    assert "5 runs' weights" in markdown  # no summary yet: the configured count


def simulate_rows(depth: int) -> list[dict[str, Any]]:
    return [{"function": "sinc", "depth": depth, "final_loss": 0.01 * depth}]


def section_ids(page: str) -> list[str]:
    return re.findall(r'<section id="([^"]*)">', page)


def test_runs_in_any_folder_under_the_root_are_reported_in_suite_order(tmp_path: Path) -> None:
    # The commands' own --help examples: hw1 simulate -o outputs/depth3, hw1 mnist -o outputs/lenet_cnn, ...
    fake_run(tmp_path, "simulate", simulate_rows(1), pngs=("loss_sinc.png",))
    fake_run(tmp_path, "depth3", simulate_rows(3), command="simulate", pngs=("loss_sinc.png", "fit_sinc.png"))
    fake_run(tmp_path, "deep5", simulate_rows(5), command="simulate")  # sorts before "simulate", shown after it
    fake_run(tmp_path, "a_gradnorm", [{"final_loss": 0.5, "final_grad_norm": 0.25}], command="gradnorm")
    fake_run(tmp_path, "lenet_cnn", [{"model": "lenet", "test_acc": 0.98}], command="mnist", pngs=("acc.png",))
    fake_run(tmp_path, "ratios", minratio_rows(100), command="minratio")
    html_path, md_path = write_report(tmp_path)
    page, markdown = html_path.read_text(), md_path.read_text()

    # suite order; within one experiment the canonical folder first, then the others by folder name
    order = ["simulate", "deep5", "depth3", "lenet_cnn", "a_gradnorm", "ratios"]
    assert section_ids(page) == order
    assert re.findall(r'<li><a href="#((?!hw1-)[^"]*)">', page) == order  # the contents link to each section
    headings = [line for line in markdown.splitlines() if line.startswith("## ")]
    assert headings == [
        "## Contents",
        "## Claims",  # the report opens with every run's claims (tests/test_check.py checks the table)
        "## HW1-1 Deep vs shallow: fitting a function (`hw1 simulate`)",
        "## HW1-1 Deep vs shallow: fitting a function (`hw1 simulate`) (outputs folder deep5)",
        "## HW1-1 Deep vs shallow: fitting a function (`hw1 simulate`) (outputs folder depth3)",
        "## HW1-1 Deep vs shallow: MNIST (`hw1 mnist`) (outputs folder lenet\\_cnn)",  # _ escaped: a folder name is text
        "## HW1-2 Gradient norm during training (`hw1 gradnorm`) (outputs folder a\\_gradnorm)",
        "## HW1-2 Minimal ratio at near-zero gradient (`hw1 minratio`) (outputs folder ratios)",
    ]

    # each run's own section, numbers and figures
    depth3 = section(page, "depth3")
    assert "<h2>HW1-1 Deep vs shallow: fitting a function <code>hw1 simulate</code> (outputs folder depth3)</h2>" in depth3
    assert "sinc MSE d3 0.03" in depth3 and "d1 0.01" not in depth3 and depth3.count("data:image/png;base64,") == 2
    canonical = section(page, "simulate")
    assert "(outputs folder" not in canonical and "sinc MSE d1 0.01" in canonical
    assert canonical.count("data:image/png;base64,") == 1
    assert "test acc lenet 0.98" in section(page, "lenet_cnn")

    # relative paths name the folder, not the experiment, and lead to the files
    images = re.findall(r"!\[([^\]]*)\]\(([^)]+)\)", markdown)  # alt text escaped (loss\_sinc.png), paths as they are
    assert ("loss\\_sinc.png", "depth3/loss_sinc.png") in images and ("fit\\_sinc.png", "depth3/fit_sinc.png") in images
    assert ("loss\\_sinc.png", "simulate/loss_sinc.png") in images and ("acc.png", "lenet_cnn/acc.png") in images
    assert "mnist/" not in markdown and "minratio/" not in markdown
    ratios = section(page, "ratios")
    assert '60 more are in <a href="ratios/summary.csv">ratios/summary.csv</a>.' in ratios
    assert "*Showing the first 40 of 100 rows; 60 more are in [ratios/summary.csv](ratios/summary.csv).*" in markdown
    links = re.findall(r"\]\(([^)]+)\)", markdown) + re.findall(r'<a href="([^"#][^"]*)" target', page) + re.findall(r'<em>[^<]*<a href="([^"]+)"', page)
    links = [link for link in links if not link.startswith("#")]  # the claims table's links to sections
    assert set(links) == {"simulate/loss_sinc.png", "depth3/loss_sinc.png", "depth3/fit_sinc.png", "lenet_cnn/acc.png",
                          "ratios/summary.csv"}  # each figure links to its file at full size
    for link in links:
        assert (tmp_path / unquote(link)).is_file(), link


def test_hidden_folders_and_folders_without_a_valid_run_are_left_out(tmp_path: Path) -> None:
    fake_run(tmp_path, "gradnorm", [{"final_loss": 0.5, "final_grad_norm": 0.25}])
    fake_run(tmp_path, "noise30", [{"train_acc": 0.9, "test_acc": 0.1}], command="randlabel")  # the one other run
    fake_run(tmp_path, ".previous", simulate_rows(1), command="simulate")  # a rerun's stash: hidden
    fake_run(tmp_path, ".scratch", simulate_rows(2), command="simulate")
    fake_run(tmp_path, "other_tool", simulate_rows(3), command="train")  # not an hw1 experiment
    fake_run(tmp_path, "no_command", simulate_rows(4), command=None)
    broken = tmp_path / "broken"
    broken.mkdir()
    (broken / "run.json").write_text('{"command": "simulate", ')  # a run.json cut short
    (tmp_path / "a_list").mkdir()
    (tmp_path / "a_list" / "run.json").write_text('["simulate"]')
    (tmp_path / "notes").mkdir()
    (tmp_path / "notes" / "summary.csv").write_text("function,depth\nsinc,1\n")  # no run.json at all
    (tmp_path / "stray.json").write_text(json.dumps({"command": "simulate"}))  # a file, not a folder
    html_path, md_path = write_report(tmp_path)
    page, markdown = html_path.read_text(), md_path.read_text()
    assert section_ids(page) == ["gradnorm", "noise30"]
    assert [line for line in markdown.splitlines() if line.startswith("## ")] == [
        "## Contents",
        "## Claims",
        "## HW1-2 Gradient norm during training (`hw1 gradnorm`)",
        "## HW1-3 Fitting random labels (`hw1 randlabel`) (outputs folder noise30)",
        "## Folders not read"]
    for name in (".previous", ".scratch", "other_tool", "no_command", "notes", "stray", "simulate"):
        assert name not in page and name not in markdown, name
    # a run.json that cannot be read is named as such, not silently dropped (nor reported as a run)
    assert "<li><code>a_list</code>: unreadable: run.json holds no run record</li>" in page
    assert "<li><code>broken</code>: unreadable: run.json is not valid JSON" in page
    assert "- broken: unreadable: run.json is not valid JSON" in markdown


def test_about_text_follows_what_ran() -> None:
    """The mnist text names the models that ran (no LeNet unless it did); gradnorm says which gradient."""
    two = [{"model": "lenet", "params": "61706"}, {"model": "cnn", "params": "342698"}]
    text = about("mnist", {}, two)
    assert "lenet (61,706 params), cnn (342,698 params)" in text and "equal size" not in text
    assert "LeNet" not in about("mnist", {}, [{"model": "shallow", "params": "32258"}])
    assert "(minibatch of 64)" in about("gradnorm", {}, [{"gradient": "minibatch of 64"}])
