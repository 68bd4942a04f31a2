"""`--config FILE`: the values a TOML or JSON file (or a run's run.json) gives one experiment, and the resolved
config written back as TOML (`--print-config`). Reads one file; never writes.

Shapes a file may have:
  flat:       `epochs = 3` ...: the keys are the experiment's config fields (what --print-config prints);
  run.json:   a run folder's record: its "config" object, for the same experiment only;
  suite:      top-level keys shared by every experiment that has the field (`dataset = "digits"`), and one
              table per experiment (`[mnist]`, `[simulate]`) for its own fields: what `hw1 all --config` reads.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from hw1cli.commands.config_values import suggest

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - Python 3.10 has the same parser as a package
    import tomli as tomllib
from hw1cli.errors import UsageError


def read_config_file(path: Path) -> dict[str, Any]:
    """The file's top-level table; one-line UsageError for a missing file, a folder, binary junk or bad syntax."""
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise UsageError(f"--config {path}: no such file") from None
    except IsADirectoryError:
        raise UsageError(f"--config {path} is a folder; give a TOML or JSON file") from None
    except OSError as error:
        raise UsageError(f"--config {path}: cannot read it ({error.strerror or error})") from None
    try:
        text = data.decode("utf-8-sig")  # a BOM (Windows editors, PowerShell) is not a key
    except UnicodeDecodeError:
        raise UsageError(f"--config {path} is not a text file; give a TOML or JSON file") from None
    if "\x00" in text:
        raise UsageError(f"--config {path} is not a text file; give a TOML or JSON file")
    as_json = path.suffix.lower() == ".json" or (path.suffix.lower() != ".toml" and text.lstrip().startswith("{"))
    try:
        loaded = json.loads(text) if as_json else tomllib.loads(text)
    except (ValueError, tomllib.TOMLDecodeError) as error:
        kind = "JSON" if as_json else "TOML"
        raise UsageError(f"--config {path} is not valid {kind}: {' '.join(str(error).split())}") from None
    if not isinstance(loaded, dict):
        raise UsageError(f"--config {path} must hold a table of options (key = value), not a {type(loaded).__name__}")
    return loaded


def values_for(path: Path, data: Mapping[str, Any], name: str, experiments: Mapping[str, Iterable[str]], *,
               suite: bool = False) -> dict[str, Any]:
    """The values `data` (read from `path`) gives experiment `name`. `experiments`: every experiment's name
    and config fields, to tell a suite file's tables and shared keys from typos. With `suite` (`hw1 all`), a
    file without tables is all shared keys; for one command its keys must all be that command's."""
    if isinstance(data.get("config"), dict) and isinstance(data.get("command"), str):  # a run.json
        if data["command"] != name:
            raise UsageError(f"--config {path} is the run.json of hw1 {data['command']}, not of hw1 {name}")
        values = dict(data["config"])
        if "download" in values:  # as for hw1 rerun: no download where a file names the folder, unless typed
            values["download"] = False
        return values
    tables = {key for key, value in data.items() if isinstance(value, dict)}
    if not tables and not suite:
        return dict(data)
    for table in sorted(tables - set(experiments)):
        hint = suggest(table, list(experiments)).replace(" '", " [").replace("'?", "]?")
        raise UsageError(f"{path}: unknown table [{table}]{hint} "
                         f"(tables name experiments: {', '.join(experiments)})")
    every_field = {field for fields in experiments.values() for field in fields}
    own_fields = set(experiments[name])
    shared = {}
    for key, value in data.items():
        if key in tables:
            continue
        if key not in every_field:
            raise UsageError(f"{path}: unknown key {key!r}{suggest(key, sorted(every_field))}; no experiment has it")
        if key in own_fields:
            shared[key] = value
    values = {**shared, **data.get(name, {})}
    if not values and data and not suite:  # e.g. `hw1 simulate --config f.toml` with only an [mnist] table
        raise UsageError(f"{path} holds nothing for hw1 {name} (its tables: {', '.join(sorted(tables)) or 'none'}; "
                         f"add a [{name}] table or keys {name} has)")
    return values


def to_toml(values: Mapping[str, Any], header: str = "") -> str:
    """`key = value` lines (TOML has no null: an unset optional value is a comment, which reads back as unset)."""
    lines = [f"# {line}" for line in header.splitlines()]
    for key, value in values.items():
        if value is None:
            lines.append(f"# {key} = (not set)")
        else:
            lines.append(f"{key} = {_toml_value(value)}")
    return "\n".join(lines) + "\n"


def _toml_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return repr(value)
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(_toml_value(v) for v in value) + "]"
    # JSON's string escapes are TOML's basic-string escapes (with non-ASCII left as it is)
    return json.dumps(str(value), ensure_ascii=False)
