"""Options taken from a run's own run.json, so that nothing has to be retyped: `hw1 rerun DIR` and
`hw1 NAME --resume -o DIR`.

The recorded config fills every option not typed on the command line (typed ones win), before the config
is built and checked the usual way (commands/options.py `build_config`), so a recorded run and a typed one
go through the same checks.
"""

from __future__ import annotations

import dataclasses
import enum
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import typer

from hw1cli.commands.click_compat import ParameterSource
from hw1cli.errors import UsageError
from hw1cli.run_record import RUN_FILE, read_run

# ctx.meta key: `hw1 rerun` hands (the record it read, its path) to request_from this way (the context is click's own).
META_KEY = "hw1.recorded_run"
# Options that steer a run rather than configure it: never taken from run.json.
_RUNTIME = frozenset({"output_dir", "quick", "quiet", "force", "resume", "debug", "json"})
_LIMIT = "_is_limit"


@dataclass(frozen=True)
class Recorded:
    """What the record adds beyond option values: whether it ran with --quick (its preset is in the recorded
    values, not to be applied again) and the subset-limit flags that --quick set (no option holds them)."""

    quick: bool
    limits: Mapping[str, bool]

    def restore_limits(self, config: Any) -> Any:
        known = {f.name for f in dataclasses.fields(config)}
        return dataclasses.replace(config, **{k: v for k, v in self.limits.items() if k in known})


def read_record(folder: Path) -> dict[str, Any]:
    """The run.json of `folder`, or a UsageError saying why there is none to run again."""
    record = read_run(folder)
    if record is None:
        where = folder / RUN_FILE
        raise UsageError(f"{folder} holds no run to run again ({where} is missing or not a run record hw1 wrote)")
    return record


def recorded_options(ctx: typer.Context, folder: Path, command: str) -> Recorded | None:
    """Fill the options not typed with the recorded run's values: for `hw1 rerun` (which put the record in
    ctx.meta) and for --resume (the folder's own run.json, when it is a run of this command; any other case
    is refused later by the folder checks, with their own words)."""
    record, path = ctx.meta.get(META_KEY, (None, folder / RUN_FILE))
    if record is None and ctx.params.get("resume"):
        found = read_run(folder)
        record = found if found is not None and found.get("command") == command else None
    if record is None:
        return None
    return fill_from_record(ctx, record, path)


def fill_from_record(ctx: typer.Context, record: Mapping[str, Any], path: Path) -> Recorded:
    """Set each option the user did not type to its value in `record["config"]`. Idempotent."""
    config = record.get("config")
    if not isinstance(config, dict):
        raise UsageError(f"{path} holds no config (its \"config\" is missing or not an object)")
    typed = {name for name in ctx.params if ctx.get_parameter_source(name) == ParameterSource.COMMANDLINE}
    for name, value in config.items():
        if name.endswith(_LIMIT):
            continue
        if name not in ctx.params or name in _RUNTIME:
            raise UsageError(f"{path}: config key {name!r} is not an option of 'hw1 {ctx.info_name}'")
        if name not in typed:
            ctx.params[name] = _like(ctx.params[name], value, name, path)
            ctx.set_parameter_source(name, ParameterSource.DEFAULT_MAP)
    quick = record.get("quick") is True
    if quick and ctx.params.get("quick"):
        ctx.params["quick"] = False  # the recorded values hold the preset already (and what was typed over it)
    limits = {} if ctx.params.get("quick") else {
        k: v for k, v in config.items() if k.endswith(_LIMIT) and isinstance(v, bool) and k[: -len(_LIMIT)] not in typed}
    return Recorded(quick=quick, limits=limits)


def _like(current: Any, value: Any, name: str, path: Path) -> Any:
    """`value` from JSON in the form the option's parsed value has (a Path, a list); a value of the wrong
    kind is the file's fault, named here rather than deep inside a config check."""
    if isinstance(current, Path) and isinstance(value, str):
        return Path(value)
    if value is None or current is None:
        return value
    kinds = {bool: (bool,), int: (int,), float: (int, float), str: (str,), list: (list,), tuple: (list,)}
    plain = current.value if isinstance(current, enum.Enum) else current
    expected = next((k for t, k in kinds.items() if isinstance(plain, t)), None)
    if expected and (not isinstance(value, expected) or (isinstance(value, bool) and bool not in expected)):
        raise UsageError(f"{path}: config key {name!r} holds {value!r}, not a value of its kind")
    return value
