"""Crafted run folders for the claims tests: run.json plus the CSVs an experiment writes, nothing trained."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from hw1cli import registry
from hw1cli.claims import ClaimResult
from hw1cli.files import write_csv


def make_run(folder: Path, command: str, csvs: Mapping[str, Sequence[Mapping[str, Any]]],
             config: Mapping[str, Any] | None = None, status: str = "completed") -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    record = {"command": command, "status": status, "config": {"seed": 0, **(config or {})}, "files": list(csvs)}
    (folder / "run.json").write_text(json.dumps(record))
    for name, rows in csvs.items():
        write_csv(folder / name, rows)
    return folder


def judge(folder: Path, command: str, csvs: Mapping[str, Sequence[Mapping[str, Any]]], **config: Any) -> dict[str, ClaimResult]:
    """Write the folder and judge it; results by claim id."""
    make_run(folder, command, csvs, config)
    return {r.claim_id: r for r in registry.get(command).claims(folder)}
