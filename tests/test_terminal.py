"""What a run prints (#22.3, #22.4): end-of-run tables that never split a number or a word at 80 columns or more,
one plain line per epoch without a terminal, and run.log in every run folder."""

from __future__ import annotations

import csv
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from rich.console import Console

from hw1cli.tables import cell, print_table

ROOT = Path(__file__).resolve().parents[1]
EPOCH_LINE = re.compile(r"^mnist model [12]/2: (\w+) \(.*\) epoch (\d+)/2 loss \d\S* acc [01]\.\d{4} \d+\.\d\d s$")


def hw1(*args: str, columns: int) -> subprocess.CompletedProcess[str]:
    """hw1 with stdout and stderr piped (no terminal), as in CI or `hw1 ... | cat`."""
    env = {**os.environ, "PYTHONPATH": str(ROOT), "COLUMNS": str(columns)}
    return subprocess.run([sys.executable, "-m", "hw1cli", *args], capture_output=True, text=True, env=env, timeout=600)


def shown_cells(path: Path) -> set[str]:
    """Every value of summary.csv as the table formats it (whole), plus the column names."""
    with open(path, newline="") as handle:
        rows = list(csv.DictReader(handle))
    allowed = {""} | set(rows[0])
    for row in rows:
        for value in row.values():
            allowed.add(value)
            if value.lower() in ("true", "false"):
                allowed.add(cell(value.lower() == "true"))  # yes / no
            for parse in (int, float):
                try:
                    allowed.add(cell(parse(value)))
                    break
                except ValueError:
                    continue
    return allowed


def assert_no_split_token(stdout: str, allowed: set[str], columns: int) -> None:
    rows = [line for line in stdout.splitlines() if line[:1] in "│┃"]
    assert rows, stdout
    for line in stdout.splitlines():
        assert len(line) <= columns, line
    for line in rows:
        for value in re.split(r"[│┃]", line)[1:-1]:
            assert value.strip() in allowed, f"{value.strip()!r} is not a whole value: {line}"


def test_mnist_at_80_columns_without_a_terminal(tmp_path: Path) -> None:
    out = tmp_path / "mnist"
    result = hw1("mnist", "--quick", "--dataset", "digits", "--subset", "200", "--test-subset", "100", "-o", str(out),
                 columns=80)
    assert result.returncode == 0, result.stderr
    assert_no_split_token(result.stdout, shown_cells(out / "summary.csv"), 80)
    assert re.search(r"\d+ more columns? \(all in", result.stdout)  # 15 columns do not fit 80: the rest are named, in summary.csv
    # one plain line per epoch, naming the experiment, the model, loss, accuracy and seconds; nothing else per epoch
    epochs = [line for line in result.stderr.splitlines() if " epoch " in line]
    assert len(epochs) == 4 and all(EPOCH_LINE.match(line) for line in epochs), result.stderr
    assert [EPOCH_LINE.match(line).group(1, 2) for line in epochs] == [("shallow", "1"), ("shallow", "2"),
                                                                       ("deep", "1"), ("deep", "2")]
    assert all(line.startswith("mnist: ") for line in result.stderr.splitlines() if " epoch " not in line), result.stderr
    log = (out / "run.log").read_text()
    assert sum(" epoch " in line for line in log.splitlines()) == 4 and "run ended: completed (exit code 0)" in log
    assert "shallow: 32,258 parameters" in log  # the notes too


def test_simulate_at_120_columns(tmp_path: Path) -> None:
    out = tmp_path / "simulate"
    result = hw1("simulate", "--quick", "-o", str(out), columns=120)
    assert result.returncode == 0, result.stderr
    assert_no_split_token(result.stdout, shown_cells(out / "summary.csv"), 120)
    assert (out / "run.log").is_file()


def test_narrow_terminals_get_one_block_per_row() -> None:
    console = Console(width=40, record=True)
    columns = ("experiment", "status", "seconds", "key number")
    rows = [["sensitivity", "completed", "1234.5", "sensitivity falls 0.0123 -> 0.0045 as batch size grows"]]
    print_table(console, "hw1 all: summary", columns, rows, priority=columns, wrap=("key number",))
    text = console.export_text()
    assert "experiment: sensitivity" in text and "seconds: 1234.5" in text
    for token in rows[0][3].split():
        assert re.search(rf"(^|\s){re.escape(token)}(\s|$)", text, re.MULTILINE), token  # wrapped at spaces only
    # a column without a name (hw1 check's mark) goes beside the row's number, not on a "  : ✔" line
    console = Console(width=40, record=True)
    columns = ("", "run folder", "claim", "verdict", "evidence")
    rows = [[mark, "mnist", "deep_beats_shallow: the deeper CNN reaches a higher test accuracy", verdict,
             "test acc deep 0.9722 vs shallow 0.8889; difference +0.08333 ± 0.0161 SE"]
            for mark, verdict in (("✔", "supported"), ("?", "inconclusive"))]
    print_table(console, "hw1 check", columns, rows, priority=columns[:4], wrap=("claim", "evidence"))
    text = console.export_text()
    assert "— 1 of 2 ✔" in text and "— 2 of 2 ?" in text and ": ✔" not in text and "  : " not in text


def test_wide_tables_leave_out_low_priority_columns_not_split_them() -> None:
    console = Console(width=80, record=True)
    columns = [f"column_{i}" for i in range(12)]
    rows = [[f"{0.123456 * i:.6f}" for i in range(12)]]
    print_table(console, "t", columns, rows, priority=("column_0", "column_1"), more="summary.csv")
    text = console.export_text()
    assert all(len(line) <= 80 for line in text.splitlines())
    assert "column_0" in text and "0.000000" in text and "more columns (all in summary.csv)" in text
    shown = [v for v in rows[0] if v in text]
    assert len(shown) >= 4 and all(v in text.replace("\n", " ") for v in shown)


def test_plain_epoch_lines_name_the_experiment_and_outer_tasks_count_their_parts(tmp_path: Path) -> None:
    from hw1cli.progress import ProgressView, close_log, open_log
    from hw1cli.training.results import EpochStats

    log = open_log(tmp_path / "run.log", append=False)
    view = ProgressView(name="sensitivity", log=log)  # stderr is not a terminal under pytest: plain lines
    with view:
        outer = view.task("batch sizes", 2)
        for size in (32, 256):
            inner = view.task(f"batch size {size}", 1)
            inner.advance(stats=EpochStats(epoch=1, running_loss=0.25, running_acc=0.5, epoch_seconds=1.5))
            inner.finish()
            outer.advance()
    close_log(log)
    lines = [line.split(" ", 1)[1] for line in (tmp_path / "run.log").read_text().splitlines()]
    assert lines[0] == "sensitivity batch size 32 epoch 1/1 loss 0.25 acc 0.5000 1.50 s"
    assert lines[1].startswith("sensitivity batch sizes 1/2 done ") and " epoch " not in lines[1]
    assert len(lines) == 4


@pytest.mark.parametrize("width", [40, 60, 80, 100, 120, 160])
def test_a_bar_keeps_its_counts_and_eta_whole_at_every_width(width: int) -> None:
    # At 80 columns the count and times were cut to "2…" and "0:…" and the ETA wrapped onto a line of its own.
    import io

    from rich.progress import Progress

    from hw1cli.progress import _columns

    console = Console(file=io.StringIO(), width=width, force_terminal=True, color_system=None)
    progress = Progress(*_columns(width), console=console, expand=True)
    task = progress.add_task("model 2/3: shallow (32,258 params, seed 0)", total=10, last=" loss 2.027 acc 0.4273")
    progress.update(task, completed=3)
    console.print(progress.make_tasks_table(progress.tasks))
    lines = console.file.getvalue().rstrip("\n").splitlines()
    assert len(lines) == 1 and len(lines[0]) <= width, lines
    assert "3/10" in lines[0] and re.search(r"ETA (\d+:\d\d:\d\d|-:--:--)", lines[0]), lines
    assert lines[0].startswith("model 2/3: ")
    assert ("loss 2.027 acc 0.4273" in lines[0]) == (width >= 80)
