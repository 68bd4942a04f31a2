"""A sweep's grid: parsing `--grid NAME=V1,V2`, planning the points, refusing bad ones before anything runs.

Every point is an ordinary run of the experiment's command, so a point is just that command's argv. The
`hw1 sweep` command parses each point into a checked request (commands/requests.py, as `hw1 all` does
before it trains): option types, ranges and combinations are refused exactly as the command alone would.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from hw1cli.errors import UsageError

# Options a sweep sets itself for every point: they cannot be swept or fixed by the user.
SWEEP_OWNED = ("seed", "output_dir", "quiet", "force", "resume", "debug", "help")
# ...and options that say how a command reports, not what a point computes: a grid over them would train the
# same point twice (the sweep's own --json and --log-to report for every point; --print-config passes through).
NOT_SWEPT = (*SWEEP_OWNED, "print_config", "json", "log_to")
TRUE_WORDS, FALSE_WORDS = ("true", "yes", "1", "on"), ("false", "no", "0", "off")


@dataclass(frozen=True)
class Axis:
    """One swept option: its config name (`batch_size`), its flag (`--batch-size`) and values as typed."""

    name: str
    flag: str
    values: tuple[str, ...]
    false_flag: str | None = None  # `--no-download` for a boolean flag with an off switch
    is_flag: bool = False

    def argv(self, value: str) -> list[str]:
        if not self.is_flag:
            return [self.flag, value]
        on = value.lower() in TRUE_WORDS
        return [self.flag] if on else ([self.false_flag] if self.false_flag else [])


@dataclass(frozen=True)
class Point:
    """One run of the sweep: its folder name, swept values, seed and the experiment's argv (without -o)."""

    index: int
    name: str
    values: tuple[tuple[str, str], ...]
    seed: int
    argv: tuple[str, ...]


def _param_name(text: str) -> str:
    return text.strip().lstrip("-").replace("-", "_")


def parse_grid(texts: Sequence[str], command: Any) -> list[Axis]:
    """`["lr=0.1,0.01", "batch-size=32,64"]` -> axes, checked against the experiment's click command."""
    params = {p.name: p for p in command.params if getattr(p, "opts", None)}
    choices = ", ".join(p.opts[0] for n, p in params.items() if n not in NOT_SWEPT)
    axes: list[Axis] = []
    for text in texts:
        name, sep, values_text = text.partition("=")
        if not sep or not name.strip():
            raise UsageError(f"--grid takes NAME=V1,V2,...; got {text!r}")
        key = _param_name(name)
        if key == "seed":
            raise UsageError("--grid cannot sweep the seed: use --seeds N (with --seed for the first)")
        if key in NOT_SWEPT or key not in params:
            raise UsageError(f"--grid {name.strip()}: hw1 {command.name} has no option to sweep by that name; choose from {choices}")
        values = tuple(v.strip() for v in values_text.split(","))
        if not values_text.strip() or any(not v for v in values):
            raise UsageError(f"--grid {text!r}: give comma-separated values, none of them empty")
        if len(set(values)) < len(values):
            raise UsageError(f"--grid {text!r} repeats a value")
        if any(a.name == key for a in axes):
            raise UsageError(f"--grid {name.strip()} is given twice; list all its values in one --grid")
        param = params[key]
        if param.is_flag and any(v.lower() not in (*TRUE_WORDS, *FALSE_WORDS) for v in values):
            raise UsageError(f"--grid {text!r}: {param.opts[0]} is a switch; its values are true or false")
        false_flag = param.secondary_opts[0] if param.secondary_opts else None
        axes.append(Axis(key, param.opts[0], values, false_flag, bool(param.is_flag)))
    return axes


def refuse_fixed_swept(options: Sequence[str], axes: Sequence[Axis], command: Any) -> None:
    """An option both swept and given as a fixed option (or one the sweep owns, such as -o) is a mistake."""
    owned = {o for p in command.params if p.name in SWEEP_OWNED for o in (*getattr(p, "opts", ()), *getattr(p, "secondary_opts", ()))}
    for word in options:
        flag = word.split("=")[0]
        if flag in owned:
            raise UsageError(f"{flag} is set by the sweep for every point; give it to hw1 sweep itself (before --)")
        for axis in axes:
            if flag in (axis.flag, axis.false_flag):
                raise UsageError(f"{axis.flag} is both swept (--grid) and fixed; leave one out")


def _folder_text(value: str) -> str:
    return re.sub(r"[^A-Za-z0-9.+-]", "-", value)


def plan_points(experiment: str, axes: Sequence[Axis], options: Sequence[str], seeds: Sequence[int]) -> list[Point]:
    """Every combination of the axes' values (first axis slowest) times every seed."""
    points: list[Point] = []
    for combo in itertools.product(*(axis.values for axis in axes)):
        for seed in seeds:
            values = tuple((axis.name, value) for axis, value in zip(axes, combo))
            argv = [experiment, *options, *(w for axis, value in zip(axes, combo) for w in axis.argv(value)), "--seed", str(seed)]
            name = "_".join([*(f"{n.replace('_', '-')}={_folder_text(v)}" for n, v in values), f"seed={seed}"])
            points.append(Point(len(points), name, values, seed, tuple(argv)))
    if len({p.name for p in points}) < len(points):  # values that differ only in characters a folder name drops
        points = [Point(p.index, f"{p.index:04d}_{p.name}", p.values, p.seed, p.argv) for p in points]
    return points
