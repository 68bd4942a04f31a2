"""Sweeps in the suite report: every folder under the root holding a sweep.json gets a section with its
status counts, a table of the key numbers (mean ± s.e. over seeds per grid combination) and its figures."""

from __future__ import annotations

import base64
import html
import json
from collections import defaultdict
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from hw1cli.files import read_csv
from hw1cli.sweep.keys import mean_and_error
from hw1cli.sweep.table import FIGURE_PREFIX, SWEEP_FILE, TABLE_FILE, TAIL_COLUMNS

Sweep = tuple[Path, dict[str, Any]]


def find_sweeps(root: Path) -> list[Sweep]:
    """(folder, sweep.json) for every sweep folder directly under root, by folder name."""
    try:
        children = sorted(p for p in root.iterdir() if p.is_dir() and not p.name.startswith("."))
    except OSError:
        return []
    found = []
    for folder in children:
        try:
            record = json.loads((folder / SWEEP_FILE).read_text(encoding="utf-8"))
        except (OSError, ValueError):
            continue
        if isinstance(record, dict) and isinstance(record.get("spec"), dict):
            found.append((folder, record))
    return found


def aggregate(rows: Sequence[Mapping[str, str]], grid: Sequence[str]) -> list[dict[str, str]]:
    """One row per grid combination: each key number as 'mean ± s.e.' over the finished seeds."""
    groups: dict[tuple[str, ...], list[Mapping[str, str]]] = defaultdict(list)
    for row in rows:
        if row.get("status") in ("completed", "diverged"):
            groups[tuple(row.get(g, "") for g in grid)].append(row)
    keys = [k for k in (rows[0] if rows else {}) if k not in ("point", *grid, "seed", *TAIL_COLUMNS)]
    table = []
    for combo, members in groups.items():
        line = {**dict(zip(grid, combo)), "seeds": str(len(members))}
        for key in keys:
            values = [float(r[key]) for r in members if r.get(key) not in (None, "")]
            mean, error = mean_and_error(values) if values else (float("nan"), 0.0)
            line[key] = f"{mean:.4g} ± {error:.2g}" if len(values) > 1 else f"{mean:.4g}"
        table.append(line)
    return table


def _title(record: Mapping[str, Any]) -> str:
    spec = record["spec"]
    grid = " × ".join(f"{k} ({len(v)})" for k, v in spec.get("grid", {}).items()) or "no grid"
    counts = ", ".join(f"{n} {s}" for s, n in sorted(record.get("counts", {}).items())) or "no point finished"
    return f"hw1 sweep {spec.get('experiment')}: {grid} × {len(spec.get('seeds', []))} seeds; {record.get('status')}: {counts}"


def sweep_html(sweeps: Sequence[Sweep]) -> str:
    sections = []
    for folder, record in sweeps:
        table = aggregate(read_csv(folder / TABLE_FILE), list(record["spec"].get("grid", {})))
        columns = list(table[0]) if table else []
        head = "".join(f"<th>{html.escape(c)}</th>" for c in columns)
        body = "".join("<tr>" + "".join(f"<td>{html.escape(r[c])}</td>" for c in columns) + "</tr>" for r in table)
        images = "".join(
            f'<figure><img alt="{html.escape(p.name)}" src="data:image/png;base64,{base64.b64encode(p.read_bytes()).decode()}">'
            f"<figcaption>{html.escape(p.name)}</figcaption></figure>" for p in sorted(folder.glob(f"{FIGURE_PREFIX}*.png")))
        sections.append(f'<section id="{html.escape(folder.name)}"><h2>{html.escape(_title(record))} '
                        f"(folder {html.escape(folder.name)})</h2><div class=\"wide\"><table><thead><tr>{head}</tr></thead>"
                        f"<tbody>{body}</tbody></table></div>{images}</section>")
    return "".join(sections)


def sweep_markdown(sweeps: Sequence[Sweep]) -> list[str]:
    lines: list[str] = []
    for folder, record in sweeps:
        lines += [f"## {_title(record)} (folder {folder.name})", ""]
        table = aggregate(read_csv(folder / TABLE_FILE), list(record["spec"].get("grid", {})))
        if table:
            columns = list(table[0])
            lines += ["| " + " | ".join(columns) + " |", "|" + "---|" * len(columns)]
            lines += ["| " + " | ".join(r[c] for c in columns) + " |" for r in table] + [""]
        lines += [f"![{p.name}]({folder.name}/{p.name})" for p in sorted(folder.glob(f"{FIGURE_PREFIX}*.png"))] + [""]
    return lines
