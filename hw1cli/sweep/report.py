"""Sweeps in the suite report: every folder under the root holding a sweep.json gets a section with its
status counts, a table of the key numbers (mean ± s.e. over seeds per grid combination) and its figures."""

from __future__ import annotations

import base64
from collections import defaultdict
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from hw1cli.folder_read import MAX_IMAGE_BYTES, Unreadable, entry, read_bytes, read_csv_rows, read_json
from hw1cli.report_render import href
from hw1cli.sweep.keys import mean_and_error
from hw1cli.sweep.table import FIGURE_PREFIX, SWEEP_FILE, TABLE_FILE, TAIL_COLUMNS

Sweep = tuple[Path, dict[str, Any]]


def find_sweeps(root: Path) -> list[Sweep]:
    """(folder, sweep.json) for every sweep folder directly under root, by folder name (links not followed;
    a sweep.json that is not a record with a spec is not a sweep folder)."""
    try:
        children = sorted(p for p in root.iterdir() if not p.name.startswith(".") and not p.is_symlink() and p.is_dir())
    except OSError:
        return []
    found = []
    for folder in children:
        try:
            record = read_json(entry(folder, SWEEP_FILE))
        except Unreadable:
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
    grid = spec.get("grid")
    grid = " × ".join(f"{k} ({len(v) if isinstance(v, list) else '?'})" for k, v in grid.items()) if isinstance(grid, dict) else ""
    seeds = spec.get("seeds")
    counts = record.get("counts")
    counts = ", ".join(f"{n} {s}" for s, n in sorted(counts.items(), key=str)) if isinstance(counts, dict) else ""
    return (f"hw1 sweep {spec.get('experiment')}: {grid or 'no grid'} × {len(seeds) if isinstance(seeds, list) else '?'} "
            f"seeds; {record.get('status')}: {counts or 'no point finished'}")

# What the table's "±" is (the params figure draws ± std, the sweep's own figure ± s.e.: say which, every time).
TABLE_CAPTION = ("One row per combination of the swept values: each key number's mean over its seeds, ± the standard error of that mean (shown where 2 or more seeds finished); sweep.csv has every point.")


def sweep_sections(sweeps: Sequence[Sweep]) -> list[dict[str, Any]]:
    """Each sweep's section for the report's templates; a sweep whose files cannot be read says so in its
    `problem` line (wrong types in sweep.json, a non-numeric sweep.csv), the others are unaffected."""
    sections = []
    for folder, record in sweeps:
        section: dict[str, Any] = {"anchor": folder.name, "folder": folder.name, "title": f"hw1 sweep (folder {folder.name})",
                                   "columns": [], "rows": [], "figures": [], "problem": "", "caption": TABLE_CAPTION}
        try:
            section["title"] = _title(record)
            grid = record["spec"].get("grid", {})
            if not isinstance(grid, dict):
                raise Unreadable("sweep.json's grid is not a table of options")
            table = aggregate(read_csv_rows(entry(folder, TABLE_FILE)), [str(k) for k in grid])
            section["columns"] = list(table[0]) if table else []
            section["rows"] = [[r.get(c, "") for c in section["columns"]] for r in table]
        except Exception as error:  # crafted or damaged: this sweep's section says so, the report goes on
            section["problem"] = f"unreadable: {error if isinstance(error, Unreadable) else type(error).__name__ + ': ' + str(error)[:200]}"
        for path in sorted(folder.glob(f"{FIGURE_PREFIX}*.png")):
            try:
                data = read_bytes(entry(folder, path.name), MAX_IMAGE_BYTES)
            except Unreadable:
                continue  # a link or not a plain file: never embedded
            section["figures"].append({"name": path.name, "href": href(f"{folder.name}/{path.name}"),
                                       "src": "data:image/png;base64," + base64.b64encode(data).decode()})
        sections.append(section)
    return sections
