"""Run history: a rerun with other options never makes the run it replaces disappear.

When a rerun stands, the run it replaced (set aside in `.previous/` meanwhile, see stash.py) is dropped only if
its options were the same; otherwise it is kept, whole, as `history/<its start time>/` inside the folder: a run
folder like any other (its run.json, CSVs, figures), so `hw1 check`, `hw1 report` and `hw1 rerun` read it, and
`diff history/<time>/summary.csv summary.csv` compares the two. `history_entries` lists them with the options
that differ from the folder's current run.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from hw1cli.run_record import RUN_FILE, read_run

HISTORY = "history"
_UNSAFE = re.compile(r"[^0-9A-Za-z_.-]")
# Recorded but not options that change what was computed: the subsets' limit flags (they follow --quick), and
# whether missing data may be downloaded (a rerun never downloads unless told: commands/recorded.py).
_NOT_OPTIONS = ("_is_limit",)
_NOT_COMPUTED = frozenset({"download"})


def computed(key: str) -> bool:
    """Whether a config key changes what a run computes (so two runs that differ in it differ)."""
    return not key.endswith(_NOT_OPTIONS) and key not in _NOT_COMPUTED


@dataclass(frozen=True)
class HistoryEntry:
    """One earlier run kept in a folder's history/."""

    folder: Path
    command: str | None
    status: str | None
    started_at: str | None
    changed: Mapping[str, tuple[Any, Any]] = field(default_factory=dict)  # option -> (this run's, the current run's)

    def as_dict(self) -> dict[str, Any]:
        return {"folder": str(self.folder), "command": self.command, "status": self.status,
                "started_at": self.started_at,
                "changed": {name: {"was": old, "now": new} for name, (old, new) in self.changed.items()}}

    def describe(self) -> str:
        return describe_changes(self.changed)


def describe_changes(changed: Mapping[str, tuple[Any, Any]]) -> str:
    """e.g. '--lr 0.001 (now 0.01), --epochs 5 (now 3)'."""
    return ", ".join(f"{option_name(k)} {_text(old)} (now {_text(new)})" for k, (old, new) in changed.items())


def history_usable(directory: Path) -> bool:
    """history/ is absent or a real folder: never a link (a move through it would leave the run folder)."""
    path = directory / HISTORY
    return not path.is_symlink() and (path.is_dir() or not path.exists())


def option_name(key: str) -> str:
    return f"--{key.replace('_', '-')}"


def changed_options(old: Mapping[str, Any] | None, new: Mapping[str, Any] | None) -> dict[str, tuple[Any, Any]]:
    """The config keys whose values differ between two run.json configs: {key: (old, new)}."""
    old = old if isinstance(old, Mapping) else {}
    new = new if isinstance(new, Mapping) else {}
    keys = [k for k in dict.fromkeys([*old, *new]) if computed(k)]
    return {k: (old.get(k), new.get(k)) for k in keys if old.get(k) != new.get(k)}


def entry_folder(directory: Path, record: Mapping[str, Any]) -> Path:
    """history/<start time> for the run `record` describes, made unique (-2, -3...) if that name is taken.
    The name sorts in time order and is safe on every file system (no ':')."""
    started = str(record.get("started_at") or "unknown")
    # never ".", ".." or hidden, never longer than a file name may be: started_at is read from run.json
    name = _UNSAFE.sub("-", started.replace(":", "-").replace("+00-00", "Z")).lstrip(".")[:64] or "unknown"
    target, n = directory / HISTORY / name, 1
    while target.exists() or target.is_symlink():
        n += 1
        target = directory / HISTORY / f"{name}-{n}"
    return target


def history_entries(directory: Path) -> list[HistoryEntry]:
    """The earlier runs kept in `directory`/history/, oldest first, each with the options that differ from the
    folder's current run. Folders there without a readable run.json (or links) are not entries."""
    history = Path(directory) / HISTORY
    try:
        if history.is_symlink() or not history.is_dir():
            return []
        folders = sorted(history.iterdir())
    except OSError:  # unreadable, or a name too long: no history to show, not a failed report
        return []
    current = (read_run(directory) or {}).get("config")
    entries = []
    for folder in folders:
        if folder.is_symlink() or not folder.is_dir() or not (folder / RUN_FILE).is_file():
            continue
        record = read_run(folder)
        if record is None:
            continue
        entries.append(HistoryEntry(folder, _str(record.get("command")), _str(record.get("status")),
                                    _str(record.get("started_at")), changed_options(record.get("config"), current)))
    return entries


def _str(value: Any) -> str | None:
    return value if isinstance(value, str) else None


def _text(value: Any) -> str:
    if isinstance(value, list):
        return ",".join(map(str, value))
    return str(value)


def history_lines(directory: Path) -> list[str]:
    """One sentence per kept run, for the report: where it is, when it ran, how it ended, what differed."""
    lines = []
    for entry in history_entries(directory):
        where = f"{HISTORY}/{entry.folder.name}/"
        differs = f": {entry.describe()}" if entry.changed else ": the same options"
        lines.append(f"earlier run kept in {where} (started {entry.started_at or 'unknown'}, {entry.status or 'unknown'}){differs}")
    return lines
