"""A config field's kind (from its type and metadata) and the one conversion of a value into it, with hw1's own
one-line wording. Options typed on the command line, config files and the --quick preset all go through
`convert`, so `--epochs x`, `epochs = "x"` in a file and a bad preset get the same refusal. Typer-free."""

from __future__ import annotations

import contextlib
import dataclasses
import difflib
import math
import typing
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from types import NoneType, UnionType
from typing import Any

from hw1cli.errors import UsageError


@dataclass(frozen=True)
class FieldKind:
    """What a config field holds: `base` is int, float, str, Path or bool; `many` a tuple of them;
    `optional` None allowed; `choices` the allowed strings."""

    name: str
    base: type
    many: bool = False
    optional: bool = False
    choices: tuple[str, ...] | None = None
    help: str = ""
    panel: str | None = None
    metavar: str | None = None
    internal: bool = False

    @property
    def option(self) -> str:
        return "--" + self.name.replace("_", "-")

    @property
    def value_name(self) -> str:
        """The value's name in --help: never the choice list itself, which rich would split mid-word."""
        if self.metavar:
            return self.metavar
        if self.choices:
            word = "name"
        else:
            word = {int: "int", float: "float", str: "text", Path: "path"}.get(self.base, "value")
        return f"<{word},...>" if self.many else f"<{word}>"


def field_kinds(config_class: type) -> dict[str, FieldKind]:
    """Every field of a config dataclass, in declaration order, with its kind."""
    hints = typing.get_type_hints(config_class)
    kinds = {}
    for field in dataclasses.fields(config_class):
        hint, many, optional = hints[field.name], False, False
        if isinstance(hint, UnionType) or typing.get_origin(hint) is typing.Union:
            args = [a for a in typing.get_args(hint) if a is not NoneType]
            optional, hint = True, args[0]
        if typing.get_origin(hint) is tuple:
            many, hint = True, typing.get_args(hint)[0]
        meta = field.metadata
        kinds[field.name] = FieldKind(field.name, hint, many, optional, meta.get("choices"), meta.get("help", ""),
                                      meta.get("panel"), meta.get("metavar"), "internal" in meta)
    return kinds


def suggest(word: str, candidates: Sequence[str]) -> str:
    """"; did you mean 'x'?" for a near miss (case-insensitive: --model Deep suggests deep), else ""."""
    lower = {c.lower(): c for c in candidates}
    if word.lower() in lower:
        return f"; did you mean {lower[word.lower()]!r}?"
    close = difflib.get_close_matches(word.lower(), list(lower), n=1, cutoff=0.6)
    return f"; did you mean {lower[close[0]]!r}?" if close else ""


def convert(kind: FieldKind, value: Any, where: str, *, typed: bool = False) -> Any:
    """`value` as the field holds it. `where` names the source in messages ("--epochs", "a.toml: epochs").
    `typed`: the value came from the command line (strings; a tuple field's items may be comma lists)."""
    if value is None:
        if kind.optional:
            return None
        raise UsageError(f"{where} needs a value")
    if kind.many:
        if typed or isinstance(value, str):  # typed "--depth 3,4 --depth 7", or "3,4" written as a string
            raw = value if isinstance(value, (list, tuple)) else [value]
            items: list[Any] = [part.strip() for item in raw for part in str(item).split(",")]
            if "" in items:
                raise UsageError(f"{where} has an empty item; separate values with single commas, e.g. {where} 4,16")
            return tuple(_one(kind, item, where, True) for item in items)
        items = list(value) if isinstance(value, (list, tuple)) else [value]
        return tuple(_one(kind, item, where, False) for item in items)
    return _one(kind, value, where, typed)


def _one(kind: FieldKind, value: Any, where: str, typed: bool) -> Any:
    base = kind.base
    if base is bool:
        if isinstance(value, bool):
            return value
        raise UsageError(f"{where} must be true or false, not {value!r}")
    if base is int:
        if isinstance(value, int) and not isinstance(value, bool):
            return value
        if isinstance(value, str) and typed:
            try:
                return int(value.strip())
            except ValueError:
                pass
        raise UsageError(f"{where} must be a whole number, not {value!r}")
    if base is float:
        number: float | None = None
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            number = float(value)
        elif isinstance(value, str) and typed:
            with contextlib.suppress(ValueError):
                number = float(value)
        if number is None:
            raise UsageError(f"{where} must be a number, not {value!r}")
        # "nan" and "inf" parse as floats and slip through every "> 0" check: refuse them by name.
        if not math.isfinite(number):
            raise UsageError(f"{where} must be a finite number, not {value}")
        return number
    if not isinstance(value, str):
        raise UsageError(f"{where} must be a string, not {value!r}")
    if base is Path:
        return Path(value)
    if kind.choices and value not in kind.choices:
        source, _, key = where.rpartition(": ")  # "--model" typed, or "file.toml: model"
        raise UsageError(f"{source + ': ' if source else ''}unknown {key} {value!r}{suggest(value, kind.choices)} "
                         f"(choose from {', '.join(kind.choices)})")
    return value
