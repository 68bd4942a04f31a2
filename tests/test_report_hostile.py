"""The report and `hw1 check` as an attack surface (#25.2, #25.3, #25.13, #25.14): crafted strings render as
text, nothing outside the root is read, one bad file spoils only its own section, the terminal gets no markup."""

from __future__ import annotations

import base64
import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from test_report import fake_run, section

from hw1cli.report import write_report

ROOT = Path(__file__).resolve().parents[1]
SCRIPT = "<script>alert(1)</script>"
IMG = "<img src=x onerror=alert(2)>"


def hw1(*args: str, timeout: float = 120, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    """`python -m hw1cli ARGS` in a child process, so a hang (a FIFO opened) fails the test instead of blocking it."""
    return subprocess.run([sys.executable, "-m", "hw1cli", *args], capture_output=True, text=True, timeout=timeout,
                          env={**os.environ, "PYTHONPATH": str(ROOT), **(env or {})}, cwd=ROOT)


def crafted(root: Path) -> Path:
    """A run folder whose name, summary.csv cells and run.json strings all carry HTML, Markdown and Rich markup."""
    name = f"x{IMG}"
    fake_run(root, name, [{"model": SCRIPT, "params": "abc", "test_acc": IMG, "note": "[/x] [evil](javascript:alert(3)) **b**"}],
             command="mnist", status=SCRIPT, device=IMG, config={"dataset": SCRIPT, "model": [IMG], IMG: SCRIPT},
             pngs=("fig.png",))
    return root / name


def test_crafted_strings_render_as_text_in_both_documents(tmp_path: Path) -> None:
    crafted(tmp_path)
    html_path, md_path = write_report(tmp_path)
    page, markdown = html_path.read_text(), md_path.read_text()
    for document in (page, markdown):
        assert "<script" not in document and "<img src=x" not in document and 'href="javascript' not in document
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in document  # the text is there, shown as text
    assert "&lt;img src=x onerror=alert(2)&gt;" in page and "&lt;img src=x onerror=alert(2)&gt;" in markdown
    assert "\\[evil\\](javascript:alert(3)) \\*\\*b\\*\\*" in markdown  # no link, no emphasis
    assert "<figure><a href=\"x%3Cimg%20src%3Dx%20onerror%3Dalert%282%29%3E/fig.png\"" in page  # links percent-encoded
    markdown_lib = pytest.importorskip("markdown")
    rendered = markdown_lib.markdown(markdown, extensions=["tables"])
    assert "<script" not in rendered and "<img src=x" not in rendered and 'href="javascript:' not in rendered
    assert "<strong>b</strong>" not in rendered


def png(marker: bytes) -> bytes:
    return b"\x89PNG\r\n\x1a\n" + marker


def test_nothing_outside_the_root_is_read(tmp_path: Path) -> None:
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "secret.png").write_bytes(png(b"SECRET-PNG"))
    (outside / "secret.csv").write_text("final_loss,final_grad_norm\n111.5,SECRET\n")
    root = tmp_path / "root"
    fake_run(root, "gradnorm", [{"final_loss": 0.5, "final_grad_norm": 0.25}],
             pngs=("own.png",))
    run = json.loads((root / "gradnorm" / "run.json").read_text())
    run["files"] += ["../../outside/secret.png", str(outside / "secret.png"), "link.png", "sub/../../../outside/secret.png"]
    (root / "gradnorm" / "run.json").write_text(json.dumps(run))
    (root / "gradnorm" / "link.png").symlink_to(outside / "secret.png")
    fake_run(root, "pca", [])
    (root / "pca" / "summary.csv").unlink()
    (root / "pca" / "summary.csv").symlink_to(outside / "secret.csv")
    (root / "linked").symlink_to(root / "gradnorm")  # a run folder reached through a link is not a run folder
    sweep = root / "sweep"
    sweep.mkdir()
    (sweep / "sweep.json").write_text(json.dumps({"spec": {"experiment": "gradnorm", "grid": {"lr": [0.1]}, "seeds": [0]},
                                                  "status": "completed", "counts": {"completed": 1}}))
    (sweep / "sweep.csv").symlink_to(outside / "secret.csv")
    (sweep / "sweep_vs_lr.png").symlink_to(outside / "secret.png")

    result = hw1("report", "-o", str(root))
    assert result.returncode == 0, result.stderr
    page, markdown = (root / "index.html").read_text(), (root / "report.md").read_text()
    secret = base64.b64encode(png(b"SECRET-PNG")).decode()[:16]
    for document in (page, markdown):
        assert "SECRET" not in document and "111.5" not in document and secret[8:] not in document
        assert "secret" not in document and "outside/" not in document
    assert section(page, "gradnorm").count("data:image/png;base64,") == 1  # own.png only
    assert "unreadable: summary.csv is a link" in section(page, "pca")
    assert "unreadable: sweep.csv is a link" in section(page, "sweep")
    assert 'id="linked"' not in page


def bad_folders(root: Path) -> dict[str, str]:
    """Folders each holding one bad file; {folder: what its section must say}."""
    fake_run(root, "gradnorm", [{"final_loss": 0.5, "final_grad_norm": 0.25}])  # the good one
    fake_run(root, "huge", [{"final_loss": "x" * 200_000}], command="gradnorm")  # over csv's 128 KB field limit
    fake_run(root, "odd_values", [{"model": "a", "params": "abc", "test_acc": "inf", "train_seconds": "3.5e4"}],
             command="mnist", duration_seconds=None, started_at="2024-01-01T00:00:00+00:00", finished_at="2024-01-01T00:01:00")
    fake_run(root, "zero", [], command="pca")
    (root / "zero" / "summary.csv").unlink()
    (root / "zero" / "summary.csv").symlink_to("/dev/zero")
    fake_run(root, "fifo", [], command="simulate")
    (root / "fifo" / "summary.csv").unlink()
    os.mkfifo(root / "fifo" / "summary.csv")
    fake_run(root, "binary", [], command="params")
    (root / "binary" / "summary.csv").write_bytes(b"\xff\xfe\x00" * 1000)
    (root / "deep").mkdir()
    (root / "deep" / "run.json").write_text("[" * 100_000 + "]" * 100_000)
    fake_run(root, "big_number", [{"final_loss": "1e400", "final_grad_norm": "nan"}], command="gradnorm")
    text = (root / "big_number" / "run.json").read_text().replace('"duration_seconds": 1.0', '"duration_seconds": 1e400')
    (root / "big_number" / "run.json").write_text(text)
    for name, record, table in (("bad_sweep", {"spec": {"grid": [1, 2], "seeds": "x"}, "counts": 5}, "point,lr\n"),
                                ("text_sweep", {"spec": {"experiment": "gradnorm", "grid": {"lr": [0.1]}, "seeds": [0]}},
                                 "point,lr,seed,final_loss,status\np,0.1,0,abc,completed\n")):
        (root / name).mkdir()
        (root / name / "sweep.json").write_text(json.dumps(record))
        (root / name / "sweep.csv").write_text(table)
    return {"huge": "unreadable: summary.csv: field larger than field limit", "zero": "unreadable: summary.csv is a link",
            "fifo": "unreadable: summary.csv is not a regular file", "binary": "unreadable: summary.csv is not UTF-8 text",
            "bad_sweep": "unreadable:", "text_sweep": "unreadable: ValueError"}


def test_one_bad_file_spoils_only_its_own_section(tmp_path: Path) -> None:
    expected = bad_folders(tmp_path)
    result = hw1("report", "-o", str(tmp_path), timeout=60)  # the FIFO would block a reader that opened it
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr
    page, markdown = (tmp_path / "index.html").read_text(), (tmp_path / "report.md").read_text()
    for folder, problem in expected.items():
        assert problem in section(page, folder), folder
    assert "unreadable" not in section(page, "gradnorm") and "final loss 0.5" in section(page, "gradnorm")
    odd = section(page, "odd_values")
    assert "unreadable" not in odd and "abc params" in odd and "<td>inf</td>" in odd
    assert "Status: <strong>completed</strong></p>" in odd  # mixed time zones: no duration, no crash
    assert "Status: <strong>completed</strong></p>" in section(page, "big_number")  # 1e400 s is not a duration
    assert "<code>deep</code>: unreadable: run.json nests deeper than 64 levels" in page
    assert "unreadable: summary.csv is not a regular file" in markdown

    check = hw1("check", str(tmp_path), timeout=60)
    assert check.returncode in (1, 4) and "Traceback" not in check.stderr, check.stderr
    assert check.stderr.startswith("Error: ") or check.returncode == 4


def test_hw1_check_prints_folder_names_and_statuses_as_text(tmp_path: Path) -> None:
    name = "evil\x1b]0;pwned\x07\x1b[31m[x][bold]"  # no "/" in a folder name
    fake_run(tmp_path, name, [], command="gradnorm", status="running [/x]\x1b[2J", finished_at=None)
    result = hw1("check", str(tmp_path), env={"COLUMNS": "200"})
    assert "\x1b" not in result.stdout + result.stderr and "\x07" not in result.stdout
    assert "Traceback" not in result.stderr and "MarkupError" not in result.stderr
    assert "evil]0;pwned[31m[x][bold]" in result.stdout and "running [/x]" in result.stdout  # the name, as text, control characters removed
    assert result.returncode == 0, result.stderr


def test_suite_table_prints_markup_from_summaries_as_text() -> None:
    from rich.console import Console

    from hw1cli.tables import print_table

    console = Console(width=100, record=True, force_terminal=False)
    rows: list[list[Any]] = [["mnist", "completed", "1.0", "test acc [/x] 0.98 [bold red]x\x1b[31m"]]
    print_table(console, "hw1 all: summary", ("experiment", "status", "seconds", "key number"), rows, wrap=("key number",))
    text = console.export_text()
    assert "test acc [/x] 0.98 [bold red]x[31m" in text and "\x1b" not in text


def test_hw1_check_error_lines_carry_no_terminal_escapes(tmp_path: Path) -> None:
    broken = tmp_path / "bad\x1b]0;pwned\x07name"
    broken.mkdir()
    (broken / "run.json").write_text("{")
    result = hw1("check", str(tmp_path))
    assert result.returncode == 1 and result.stderr.startswith("Error: cannot read "), result.stderr
    assert "\x1b" not in result.stderr and "\x07" not in result.stderr and "bad]0;pwnedname" in result.stderr
