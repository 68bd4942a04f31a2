"""`--json`: one JSON document on stdout for single runs, `hw1 all`, `hw1 check` and `hw1 sweep` (schema in the
README, "Output for scripts"). Documents are read from the run folders' files after the run, so a script sees
exactly what `hw1 check` and the report would see; progress and notes stay on stderr.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

from hw1cli import registry
from hw1cli.claims import CLAIMS_FILE
from hw1cli.files import read_csv
from hw1cli.history import history_entries
from hw1cli.run_record import jsonable, read_run
from hw1cli.runner import STATUS_BY_CODE
from hw1cli.sweep.keys import key_numbers

SCHEMA = 1
# A run that ends with one of these codes stood: its folder holds its own files (otherwise the previous
# run's, put back, or nothing), so only then does the document read them.
_STOOD = frozenset(STATUS_BY_CODE)


def status_of(code: int) -> str:
    return STATUS_BY_CODE.get(code, "usage error" if code == 2 else "failed")


def emit(document: Mapping[str, Any]) -> None:
    """The document, alone on stdout (one line: `| jq`, `json.loads` and line-based tools all read it)."""
    sys.stdout.write(json.dumps(jsonable(document), allow_nan=False) + "\n")
    sys.stdout.flush()


def run_document(command: str, folder: Path, code: int, error: str | None = None) -> dict[str, Any]:
    """One run: its status and exit code, folder, timing, key numbers, claims with verdicts, history."""
    document: dict[str, Any] = {"kind": "run", "schema": SCHEMA, "command": command, "status": status_of(code),
                                "exit_code": code, "folder": str(folder)}
    if error:
        document["error"] = error
    if code not in _STOOD:
        return document
    record = read_run(folder) or {}
    summary = read_csv(folder / "summary.csv") if (folder / "summary.csv").is_file() else []
    experiment = registry.find(command)
    document.update({
        "run_json": str(folder / "run.json"),
        "started_at": record.get("started_at"), "finished_at": record.get("finished_at"),
        "duration_seconds": record.get("duration_seconds"), "device": record.get("device"),
        "headline": _headline(experiment, summary),
        "key_numbers": key_numbers(experiment.key_numbers, summary) if experiment and experiment.key_numbers and summary else {},
        "claims": claims_in(folder),
        "history": [entry.as_dict() for entry in history_entries(folder)],
    })
    return document


def claims_in(folder: Path) -> list[dict[str, Any]]:
    """claims.csv as written at the end of the run (no re-judging: `hw1 check --json` does that)."""
    rows = read_csv(folder / CLAIMS_FILE) if (folder / CLAIMS_FILE).is_file() else []
    return [claim_dict(row) for row in rows]


def claim_dict(row: Mapping[str, Any]) -> dict[str, Any]:
    seeds = row.get("seeds")
    return {"experiment": row.get("experiment"), "claim": row.get("claim"), "sentence": row.get("sentence"),
            "verdict": row.get("verdict"), "evidence": row.get("evidence"),
            "seeds": int(seeds) if str(seeds).isdigit() else seeds}


def suite_document(root: Path, results: Iterable[tuple[str, str, float, str]], code: int,
                   report: Path | None) -> dict[str, Any]:
    """`hw1 all`: the suite's status and one run document per experiment, in suite order."""
    runs = []
    for name, status, seconds, _ in results:
        stood = status in STATUS_BY_CODE.values()
        run = run_document(name, root / name, 0 if stood else 1)
        run.update(status=status, exit_code=None, seconds=round(seconds, 3))
        runs.append(run)
    return {"kind": "suite", "schema": SCHEMA, "status": status_of(code), "exit_code": code, "folder": str(root),
            "report": str(report) if report else None, "experiments": runs}


def check_document(out: Path, require: str, judged: Sequence[tuple[Path, Any]], passes: Sequence[bool],
                   code: int) -> dict[str, Any]:
    """`hw1 check`: every claim re-judged, whether it meets --require, and the tally."""
    claims = [{**claim_dict(result.row()), "folder": str(folder), "meets_requirement": ok}
              for (folder, result), ok in zip(judged, passes)]
    tally: dict[str, int] = {}
    for claim in claims:
        tally[claim["verdict"]] = tally.get(claim["verdict"], 0) + 1
    return {"kind": "check", "schema": SCHEMA, "status": "met" if code == 0 else "not met", "exit_code": code,
            "folder": str(out), "require": require, "tally": tally, "claims": claims}


def sweep_document(root: Path, experiment: str, rows: Iterable[Mapping[str, Any]], code: int) -> dict[str, Any]:
    """`hw1 sweep`: the sweep's status, its per-status counts and sweep.csv's rows (swept values, seed, key
    numbers, status) with each point's folder."""
    points = [{**dict(row), "folder": str(root / str(row.get("point", "")))} for row in rows]
    counts: dict[str, int] = {}
    for point in points:
        counts[str(point.get("status"))] = counts.get(str(point.get("status")), 0) + 1
    return {"kind": "sweep", "schema": SCHEMA, "status": status_of(code), "exit_code": code, "folder": str(root),
            "experiment": experiment, "counts": dict(counts), "table": str(root / "sweep.csv"), "points": points}


def error_document(kind: str, folder: Path, code: int, error: str) -> dict[str, Any]:
    """A command refused before it ran anything (exit 2) or failed outright: what, where and why."""
    return {"kind": kind, "schema": SCHEMA, "status": status_of(code), "exit_code": code, "folder": str(folder),
            "error": " ".join(error.split())}


def _headline(experiment: Any, summary: Sequence[Mapping[str, str]]) -> str:
    if experiment is None or not summary:
        return ""
    try:
        return experiment.headline(summary)
    except (KeyError, ValueError, IndexError):
        return ""
