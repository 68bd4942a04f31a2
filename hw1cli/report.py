"""The suite report: outputs/index.html (self-contained) and outputs/report.md, built from the runs' own files.

Nothing here trains: every number comes from a run folder's run.json and summary.csv, every figure from
its PNGs, so `hw1 report` can rebuild the report at any time. The folders are data someone else may have
written: files are read through folder_read (inside the folder, plain files, size caps), and anything wrong
in one folder makes that section say "unreadable: ..." while the rest of the report is written.
"""

from __future__ import annotations

import base64
import datetime as dt
import math
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from hw1cli import registry
from hw1cli.claims.render import claims_context, tally, tally_text
from hw1cli.files import atomic_write_text
from hw1cli.folder_read import MAX_IMAGE_BYTES, Unreadable, entry, read_bytes, read_csv_rows
from hw1cli.history import history_lines
from hw1cli.phone_layout import is_phone_copy, phone_name
from hw1cli.report_banner import banner
from hw1cli.report_render import href, render
from hw1cli.run_folders import find_runs, judged, unreadable_runs
from hw1cli.sweep.report import find_sweeps, sweep_sections

MAX_TABLE_ROWS = 40  # longer summaries (minratio's 100 runs) are cut, with a note pointing to the CSV


def is_canonical(name: str, folder: Path) -> bool:
    """Whether the run sits in root/<experiment>, where `hw1 all` puts it."""
    return folder.name == name


def folder_note(name: str, folder: Path) -> str:
    """What a section heading adds for a run outside its canonical folder ("" inside it)."""
    return "" if is_canonical(name, folder) else f" (outputs folder {folder.name})"


def duration_seconds(record: Mapping[str, Any]) -> float | None:
    """This session's wall time (a resumed run: the last session), else finished_at - started_at; None when
    neither is a finite number of seconds (10^400 in a crafted run.json, or time stamps that do not compare)."""
    value = record.get("duration_seconds")
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return float(value) if math.isfinite(value) else None
    try:
        start = dt.datetime.fromisoformat(record["started_at"])
        end = dt.datetime.fromisoformat(record["finished_at"])
        return (end - start).total_seconds()
    except (KeyError, TypeError, ValueError, OverflowError):  # TypeError: one stamp with a zone, one without
        return None


def figures(folder: Path, record: Mapping[str, Any]) -> list[str]:
    """The PNG names run.json lists that are the folder's own plain files (no link, nothing outside)."""
    files = record.get("files")
    names = []
    for name in files if isinstance(files, list) else []:
        if isinstance(name, str) and name.endswith(".png") and not is_phone_copy(name):
            try:
                entry(folder, name)
            except Unreadable:
                continue
            names.append(name)
    return names


def data_uri(png: bytes) -> str:
    return "data:image/png;base64," + base64.b64encode(png).decode()


def phone_copy(folder: Path, record: Mapping[str, Any], png: str) -> str:
    """The figure's phone layout (NAME.phone.png) as a data URI, or "" when run.json does not list it as a
    plain file of the folder (runs from before it existed: narrow screens then get the desktop figure)."""
    name = phone_name(png)
    files = record.get("files")
    if not isinstance(files, list) or name not in files:
        return ""
    try:
        return data_uri(read_bytes(entry(folder, name), MAX_IMAGE_BYTES))
    except Unreadable:
        return ""


def config_of(record: Mapping[str, Any]) -> dict[str, Any]:
    """run.json's "config", or {} where a hand-edited file holds something else there."""
    config = record.get("config")
    return config if isinstance(config, dict) else {}


def write_report(root: Path) -> tuple[Path, Path]:
    """Write root/index.html and root/report.md; returns their paths."""
    runs = find_runs(root)
    claims = judged(runs)  # judged once, shown in both documents
    context = {
        "banner": banner(runs, claims, dt.datetime.now(dt.timezone.utc)),
        "claims": claims_context(claims),
        "sections": [run_section(name, folder, record) for name, folder, record in runs],
        "sweeps": sweep_sections(find_sweeps(root)),
        "unreadable": unreadable_runs(root),
    }
    html_path, md_path = root / "index.html", root / "report.md"
    atomic_write_text(html_path, render("index.html.j2", context))
    atomic_write_text(md_path, render("report.md.j2", context))
    return html_path, md_path


def verdict_tally(root: Path) -> str:
    """"✔ n / ✘ n / ? n" over the claims of every run folder under root (what the report's banner says)."""
    return tally_text(tally(judged(find_runs(root))))


def run_section(name: str, folder: Path, record: Mapping[str, Any]) -> dict[str, Any]:
    """Everything one run's section shows; a file of it that cannot be read becomes its `problem` line."""
    title = registry.get(name).title
    section: dict[str, Any] = {"anchor": folder.name, "title": title, "command": name, "note": folder_note(name, folder),
                               "problem": "", "figures": [], "columns": [], "rows": []}
    try:
        rows = read_csv_rows(entry(folder, "summary.csv"))
    except Unreadable as error:
        rows, section["problem"] = [], f"unreadable: {error}"
    try:
        section.update(_details(name, folder, record, rows))
    except Exception as error:  # a crafted run.json or summary.csv: this section says so, the report goes on
        section["problem"] = section["problem"] or f"unreadable: {type(error).__name__}: {str(error)[:200]}"
    try:  # earlier runs of this folder with other options (history/), one line each
        section["history"] = history_lines(folder)
    except Exception as error:
        section["history"] = [f"unreadable: {type(error).__name__}"]
    for png in figures(folder, record):
        try:
            data = read_bytes(entry(folder, png), MAX_IMAGE_BYTES)
        except Unreadable:
            continue  # a listed figure that is missing, a link or not a plain file is left out
        section["figures"].append({"name": png, "href": href(f"{folder.name}/{png}"), "src": data_uri(data),
                                   "phone_src": phone_copy(folder, record, png)})
    return section


def _details(name: str, folder: Path, record: Mapping[str, Any], rows: Sequence[Mapping[str, str]]) -> dict[str, Any]:
    seconds = duration_seconds(record)
    columns = list(rows[0]) if rows else []
    return {
        "about": about(name, record, rows),
        "status": status_text(record),
        "seconds": f"{seconds:.1f}" if seconds is not None else "",
        "settings": _settings(record),
        "headline": headline_of(name, rows),
        "columns": columns,
        "rows": [[_short(r.get(c, "") or "") for c in columns] for r in rows[:MAX_TABLE_ROWS]],
        "left_out": left_out_note(folder.name, rows),
        "summary_name": f"{folder.name}/summary.csv",
        "summary_href": href(f"{folder.name}/summary.csv"),
    }


def _settings(record: Mapping[str, Any]) -> list[tuple[str, str]]:
    config = config_of(record)
    ignored = _unused(str(record.get("command", "")), config)
    pairs = [(str(k), ", ".join(map(str, v)) if isinstance(v, list) else str(v)) for k, v in config.items()
             if k not in ignored]
    return [*pairs, ("ran on", str(record.get("device"))), ("quick preset", str(record.get("quick", False)))]


def _unused(command: str, config: Mapping[str, Any]) -> set[str]:
    """The options the run's mode ignored: listed among the settings they would read as if they had been used."""
    return registry.unused_fields(command, config)


def _summary(folder: Path) -> list[dict[str, str]]:
    """Every row of the run's summary.csv (none if it has not written one, or it cannot be read)."""
    try:
        return read_csv_rows(entry(folder, "summary.csv"))
    except Unreadable:
        return []


def left_out_note(folder_name: str, rows: Sequence[Mapping[str, str]]) -> str:
    """What a cut table says about the rows it does not show ("" when it shows them all)."""
    hidden = len(rows) - MAX_TABLE_ROWS
    if hidden <= 0:
        return ""
    return f"Showing the first {MAX_TABLE_ROWS} of {len(rows)} rows; {hidden} more are in"


def about(name: str, record: Mapping[str, Any], rows: Sequence[Mapping[str, str]]) -> str:
    """The experiment's description, with what ran taken from summary.csv: its run count (else the configured
    one), the models and their sizes, or which gradient was measured."""
    text = registry.get(name).about
    if "{models}" in text:
        ran = dict.fromkeys(f"{r['model']} ({_count(r['params'])} params)" for r in rows if r.get("model") and r.get("params"))
        return text.replace("{models}", ", ".join(ran) or "the models listed below")
    if "{gradient}" in text:
        gradient = rows[0].get("gradient") if rows else None
        return text.replace("{gradient}", gradient or "see the settings")
    if "{runs}" not in text:
        return text
    count = len(rows) or config_of(record).get("runs")
    if not isinstance(count, int) or isinstance(count, bool) or count < 1:
        return text.replace("{runs}", "The runs'")
    return text.replace("{runs}", f"{count} run's" if count == 1 else f"{count} runs'")


def _count(text: str) -> str:
    """A parameter count with thousands separators; anything else (params=abc) as written."""
    return f"{int(text):,}" if text.isdigit() and len(text) < 30 else text


def status_text(record: Mapping[str, Any]) -> str:
    """run.json's status, except that "running" without finished_at may also be a run whose process died
    (a kill -9 or power loss cannot update run.json), so the report does not claim it is still going."""
    status = str(record.get("status"))
    if status == "running" and not record.get("finished_at"):
        return "running, or stopped without finishing: run.json has no finished_at"
    return status


def _short(value: str) -> str:
    """Numbers to 4 significant digits so tables stay readable; a huge field is cut (the CSV has it whole)."""
    try:
        number = float(value)
    except ValueError:
        return value if len(value) <= 200 else value[:200] + "…"
    return value if value.lstrip("-").isdigit() and len(value) < 30 else f"{number:.4g}"


def headline(name: str, folder: Path) -> str:
    """The one line per experiment that `hw1 all` shows in its table, read from summary.csv."""
    return headline_of(name, _summary(folder))


def headline_of(name: str, rows: Sequence[Mapping[str, str]]) -> str:
    """That line from summary.csv's rows ("" for none, or for a summary its headline cannot read)."""
    if not rows:
        return ""
    try:
        return registry.get(name).headline(rows)
    except (KeyError, ValueError, IndexError, TypeError, OverflowError, ZeroDivisionError):
        return ""  # a summary without the expected columns (an older run, a crafted file): no headline, no crash
