"""Options taken from a run's own run.json, so that nothing has to be retyped: `hw1 rerun DIR` and
`hw1 NAME --resume -o DIR`.

The recorded config fills every option not typed on the command line (typed ones win), before the config
is built and checked the usual way (commands/options.py `build_config`), so a recorded run and a typed one
go through the same checks.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import typer

from hw1cli.errors import UsageError
from hw1cli.run_record import RUN_FILE, read_run
from hw1cli.validate import MAX_THREADS

# ctx.meta key: `hw1 rerun` hands (the record it read, its path) to request_from this way (the context is click's own).
META_KEY = "hw1.recorded_run"
# ctx.meta key: `hw1 all` hands its --config file on; a file without tables is then all shared keys.
SUITE_FILE = "hw1.suite_config"
# Options that steer a run rather than configure it: never taken from run.json.
_RUNTIME = frozenset({"output_dir", "quick", "quiet", "force", "resume", "debug", "json"})
_LIMIT = "_is_limit"


@dataclass(frozen=True)
class Recorded:
    """A recorded run: its config values (the layer under typed options) and whether it ran with --quick (its
    preset is in the recorded values already, not to be applied again)."""

    quick: bool
    values: Mapping[str, Any]  # the recorded config: every field, the --quick preset's limit flags included
    path: Path  # the run.json they come from, to name in errors
    threads: int | None = None  # the torch threads it ran on: its float sums depend on the count
    figure_formats: str | None = None  # --figure-format as recorded ("png,pdf"), None where not recorded
    log_to: tuple[str, ...] = ()  # the trackers it logged to, default places only (a path in a file is data)


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
    """The recorded config as the layer below the typed options (build_config converts and checks it like a
    --config file's values, so a recorded run goes through the same checks as a typed one)."""
    config = record.get("config")
    if not isinstance(config, dict):
        raise UsageError(f"{path} holds no config (its \"config\" is missing or not an object)")
    for name in config:
        if not name.endswith(_LIMIT) and (name not in ctx.params or name in _RUNTIME):
            raise UsageError(f"{path}: config key {name!r} is not an option of 'hw1 {ctx.info_name}'")
    quick = record.get("quick") is True
    if quick and ctx.params.get("quick"):
        ctx.params["quick"] = False  # the recorded values hold the preset already (and what was typed over it)
    values = dict(config)
    if "download" in values:
        # run.json is a file of the folder, which someone else may have written: its data_dir is read from, but
        # a download there (folders made, files fetched wherever it points) happens only if you type --download
        values["download"] = False
    return Recorded(quick=quick, values=values, path=path, threads=_recorded_threads(record.get("threads")),
                    figure_formats=_recorded_formats(record.get("figure_formats")),
                    log_to=_recorded_trackers(record.get("log_to")))


def _recorded_threads(value: Any) -> int | None:
    return value if type(value) is int and 1 <= value <= MAX_THREADS else None


def _recorded_formats(value: Any) -> str | None:
    if isinstance(value, list) and value and all(isinstance(v, str) for v in value):
        return ",".join(value)  # checked like a typed --figure-format
    return None


def _recorded_trackers(value: Any) -> tuple[str, ...]:
    """Trackers in their default places (`tensorboard`: the run's own tb/; `mlflow`: the store beside it). One
    with a place of its own is not taken: a folder or server named in run.json is data anyone could have
    written, so it is only used when typed again."""
    if not isinstance(value, list):
        return ()
    return tuple(v for v in value if isinstance(v, str) and v in ("tensorboard", "mlflow"))
