"""The suite report: outputs/index.html (self-contained) and outputs/report.md, built from the runs' own files.

Nothing here trains: every number comes from a run folder's run.json and summary.csv, every figure from
its PNGs, so `hw1 report` can rebuild the report at any time.
"""

from __future__ import annotations

import base64
import csv
import datetime as dt
import html
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any
from urllib.parse import quote

from hw1cli import registry
from hw1cli.claims.render import Judged, claims_html, claims_markdown, judged
from hw1cli.files import atomic_write_text, read_csv
from hw1cli.history import history_lines
from hw1cli.run_record import read_run
from hw1cli.sweep.report import find_sweeps, sweep_html, sweep_markdown

MAX_TABLE_ROWS = 40  # longer summaries (minratio's 100 runs) are cut, with a note pointing to the CSV


def find_runs(root: Path) -> list[tuple[str, Path, dict[str, Any]]]:
    """(experiment, folder, run.json) for every run folder directly under root, in suite order.

    A run folder is any immediate subfolder (not hidden) whose run.json parses and names a registered experiment
    as its "command", so `hw1 simulate -o outputs/depth3` is found as well as `outputs/simulate`. Within one
    experiment the canonical folder (root/<experiment>) comes first, then the others by folder name.
    """
    try:
        children = [p for p in root.iterdir() if p.is_dir() and not p.name.startswith(".")]
    except OSError:  # no such folder (or unreadable): no runs
        return []
    order = {name: index for index, name in enumerate(registry.names())}
    found = []
    for folder in children:
        run = read_run(folder)
        if run is None:
            continue
        # run.json always names its command; one without the key (hand-made) counts only in its canonical folder
        name = run.get("command", folder.name)
        if isinstance(name, str) and name in order:
            found.append((name, folder, run))
    found.sort(key=lambda item: (order[item[0]], item[1].name != item[0], item[1].name))
    return found


def is_canonical(name: str, folder: Path) -> bool:
    """Whether the run sits in root/<experiment>, where `hw1 all` puts it."""
    return folder.name == name


def folder_note(name: str, folder: Path) -> str:
    """What a section heading adds for a run outside its canonical folder ("" inside it)."""
    return "" if is_canonical(name, folder) else f" (outputs folder {folder.name})"


def _link(folder: Path, file: str) -> tuple[str, str]:
    """(text, href) for a file of a run folder, relative to the report beside the run folders."""
    text = f"{folder.name}/{file}"
    return text, quote(text)


def duration_seconds(run: Mapping[str, Any]) -> float | None:
    if isinstance(run.get("duration_seconds"), (int, float)):
        return float(run["duration_seconds"])  # this session's wall time (a resumed run: the last session)
    try:
        start = dt.datetime.fromisoformat(run["started_at"])
        end = dt.datetime.fromisoformat(run["finished_at"])
    except (KeyError, TypeError, ValueError):
        return None
    return (end - start).total_seconds()


def figures(folder: Path, run: Mapping[str, Any]) -> list[Path]:
    files = run.get("files")
    return [folder / f for f in (files if isinstance(files, list) else [])
            if isinstance(f, str) and f.endswith(".png") and (folder / f).exists()]


def config_of(run: Mapping[str, Any]) -> dict[str, Any]:
    """run.json's "config", or {} where a hand-edited file holds something else there."""
    config = run.get("config")
    return config if isinstance(config, dict) else {}


def write_report(root: Path) -> tuple[Path, Path]:
    """Write root/index.html and root/report.md; returns their paths."""
    runs = find_runs(root)
    summaries = {folder: _summary(folder) for _, folder, _ in runs}  # read once, used by both documents
    stamp = dt.datetime.now(dt.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    html_path, md_path = root / "index.html", root / "report.md"
    sweeps = find_sweeps(root)
    claims = judged(runs)  # judged once, shown in both documents
    atomic_write_text(html_path, _html(runs, summaries, claims, stamp).replace("</body>", sweep_html(sweeps) + "</body>"))
    atomic_write_text(md_path, "\n".join([_markdown(runs, summaries, claims, stamp), *sweep_markdown(sweeps)]))
    return html_path, md_path


def _settings(run: Mapping[str, Any]) -> list[tuple[str, str]]:
    config = config_of(run)
    pairs = [(k, ", ".join(map(str, v)) if isinstance(v, list) else str(v)) for k, v in config.items()]
    return [*pairs, ("ran on", str(run.get("device"))), ("quick preset", str(run.get("quick", False)))]


def _summary(folder: Path) -> list[dict[str, str]]:
    """Every row of the run's summary.csv (none if it has not written one, or it cannot be read as text)."""
    try:
        return read_csv(folder / "summary.csv")
    except (OSError, UnicodeDecodeError, csv.Error):
        return []


def left_out_note(folder_name: str, rows: Sequence[Mapping[str, str]]) -> str:
    """What a cut table says about the rows it does not show ("" when it shows them all); `folder_name` is
    the run folder's path relative to the report (its name under the root)."""
    hidden = len(rows) - MAX_TABLE_ROWS
    if hidden <= 0:
        return ""
    return (f"Showing the first {MAX_TABLE_ROWS} of {len(rows)} rows; {hidden} more are in "
            f"{folder_name}/summary.csv.")


def about(name: str, run: Mapping[str, Any], rows: Sequence[Mapping[str, str]]) -> str:
    """The experiment's description, with what ran taken from summary.csv: its run count (else the configured
    one), the models and their sizes, or which gradient was measured."""
    text = registry.get(name).about
    if "{models}" in text:
        ran = dict.fromkeys(f"{r['model']} ({int(r['params']):,} params)" for r in rows if r.get("model") and r.get("params"))
        return text.replace("{models}", ", ".join(ran) or "the models listed below")
    if "{gradient}" in text:
        gradient = rows[0].get("gradient") if rows else None
        return text.replace("{gradient}", gradient or "see the settings")
    if "{runs}" not in text:
        return text
    count = len(rows) or config_of(run).get("runs")
    if not isinstance(count, int) or count < 1:
        return text.replace("{runs}", "The runs'")
    return text.replace("{runs}", f"{count} run's" if count == 1 else f"{count} runs'")


def status_text(run: Mapping[str, Any]) -> str:
    """run.json's status, except that "running" without finished_at may also be a run whose process died
    (a kill -9 or power loss cannot update run.json), so the report does not claim it is still going."""
    status = str(run.get("status"))
    if status == "running" and not run.get("finished_at"):
        return "running, or stopped without finishing: run.json has no finished_at"
    return status


def _short(value: str) -> str:
    """Numbers to 4 significant digits so tables stay readable."""
    try:
        number = float(value)
    except ValueError:
        return value
    return value if value.lstrip("-").isdigit() else f"{number:.4g}"


def _html_table(folder: Path, rows: Sequence[Mapping[str, str]]) -> str:
    if not rows:
        return "<p><em>no summary rows</em></p>"
    columns = list(rows[0])
    head = "".join(f"<th>{html.escape(c)}</th>" for c in columns)
    body = "".join(
        "<tr>" + "".join(f"<td>{html.escape(_short(r.get(c, '') or ''))}</td>" for c in columns) + "</tr>"
        for r in rows[:MAX_TABLE_ROWS]
    )
    note = left_out_note(folder.name, rows)
    csv, href = _link(folder, "summary.csv")
    link = f"<a href='{html.escape(href)}'>{html.escape(csv)}</a>"
    caption = f"<p><em>{html.escape(note).replace(html.escape(csv), link)}</em></p>" if note else ""
    return f'<div class="wide"><table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table></div>{caption}'


def _html_headline(name: str, rows: Sequence[Mapping[str, str]]) -> str:
    line = headline_of(name, rows)
    return f"<p><strong>{html.escape(line)}</strong></p>" if line else ""


def _html(runs: Sequence[tuple[str, Path, dict[str, Any]]], summaries: Mapping[Path, list[dict[str, str]]], claims: Judged,
          stamp: str) -> str:
    sections = []
    for name, folder, run in runs:
        rows = summaries[folder]
        title = registry.get(name).title
        anchor = html.escape(folder.name)  # the folder: unique, and the experiment's name in its canonical folder
        seconds = duration_seconds(run)
        settings = "".join(f"<tr><th>{html.escape(k)}</th><td>{html.escape(v)}</td></tr>" for k, v in _settings(run))
        images = "".join(
            f'<figure><img alt="{html.escape(p.name)}" src="data:image/png;base64,'
            f'{base64.b64encode(p.read_bytes()).decode()}"><figcaption>{html.escape(p.name)}</figcaption></figure>'
            for p in figures(folder, run)
        )
        sections.append(
            f'<section id="{anchor}"><h2>{html.escape(title)} <code>hw1 {name}</code>'
            f"{html.escape(folder_note(name, folder))}</h2>"
            f"<p>{html.escape(about(name, run, rows))}</p>"
            f"<p>Status: <strong>{html.escape(status_text(run))}</strong>"
            f"{f', {seconds:.1f} s' if seconds is not None else ''}</p>"
            + "".join(f"<p>History: {html.escape(line)}</p>" for line in history_lines(folder)) +
            f"<details><summary>Settings</summary><table>{settings}</table></details>"
            f"<h3>Key numbers</h3>{_html_headline(name, rows)}{_html_table(folder, rows)}"
            f"<h3>Figures</h3>{images}</section>"
        )
    toc = "".join(
        f'<li><a href="#{html.escape(f.name)}">{html.escape(registry.get(n).title + folder_note(n, f))}</a> '
        f"({html.escape(status_text(r))})</li>"
        for n, f, r in runs
    )
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>hw1 report</title>
<style>
body {{ font-family: system-ui, sans-serif; max-width: 1100px; margin: 2em auto; padding: 0 1em; color: #222; }}
table {{ border-collapse: collapse; margin: 0.5em 0; font-size: 0.9em; }}
th, td {{ border: 1px solid #ccc; padding: 0.2em 0.5em; text-align: left; }}
figure {{ display: inline-block; margin: 0.5em; }} img {{ max-width: 520px; }}
section {{ border-top: 2px solid #ddd; margin-top: 2em; }}
.wide {{ overflow-x: auto; }}
</style></head><body>
<h1>Homework 1 experiments</h1><p>Generated by hw1 on {stamp} from the run folders beside this file.</p>
{claims_html(claims)}
<ul>{toc}</ul>
{''.join(sections)}
</body></html>
"""


def _markdown(runs: Sequence[tuple[str, Path, dict[str, Any]]], summaries: Mapping[Path, list[dict[str, str]]],
              claims: Judged, stamp: str) -> str:
    lines = ["# Homework 1 experiments", "", f"Generated by hw1 on {stamp} from the run folders beside this file.", ""]
    lines += claims_markdown(claims)
    for name, folder, run in runs:
        rows = summaries[folder]
        title = registry.get(name).title
        seconds = duration_seconds(run)
        lines += [f'<a id="{folder.name}"></a>', "", f"## {title} (`hw1 {name}`){folder_note(name, folder)}", "",
                  about(name, run, rows), "",
                  f"Status: **{status_text(run)}**" + (f", {seconds:.1f} s" if seconds is not None else ""), ""]
        lines += [line for text in history_lines(folder) for line in (f"History: {text}", "")]
        lines += ["Settings: " + "; ".join(f"`{k}`={v}" for k, v in _settings(run)), ""]
        line = headline_of(name, rows)
        lines += [f"Key numbers: {line}", ""] if line else []
        lines += _markdown_table(folder, rows)
        lines += [f"![{p.name}]({_link(folder, p.name)[1]})" for p in figures(folder, run)] + [""]
    return "\n".join(lines)


def _markdown_table(folder: Path, rows: Sequence[Mapping[str, str]]) -> list[str]:
    if not rows:
        return []
    columns = list(rows[0])
    lines = ["| " + " | ".join(columns) + " |", "|" + "---|" * len(columns)]
    lines += ["| " + " | ".join(_short(r.get(c, "") or "") for c in columns) + " |" for r in rows[:MAX_TABLE_ROWS]]
    note = left_out_note(folder.name, rows)
    csv, href = _link(folder, "summary.csv")
    return [*lines, "", *([f"*{note.replace(csv, f'[{csv}]({href})')}*", ""] if note else [])]


def headline(name: str, folder: Path) -> str:
    """The one line per experiment that `hw1 all` shows in its table, read from summary.csv."""
    return headline_of(name, _summary(folder))


def headline_of(name: str, rows: Sequence[Mapping[str, str]]) -> str:
    """That line from summary.csv's rows ("" for none, or for a summary without the expected columns)."""
    if not rows:
        return ""
    try:
        return registry.get(name).headline(rows)
    except (KeyError, ValueError, IndexError):
        return ""  # a summary without the expected columns (an older run) has no headline, not a crash
