"""Parsing and checking option values that several experiments share."""

from __future__ import annotations

import math
from collections.abc import Iterable

from hw1cli.errors import UsageError


def parse_int_list(values: Iterable[int | str], option: str, example: str) -> tuple[int, ...]:
    """Whole numbers >= 1 from repeated and/or comma-separated values ("4,8 --widths 16"), sorted; each at most
    once (a repeat or an empty item is more likely a typo than a wish)."""
    numbers: set[int] = set()
    for value in values:
        parts = [p.strip() for p in str(value).split(",")]
        if not any(parts):
            continue  # a blank value: the "is empty" message below says what to give
        for part in parts:
            if not part:
                raise UsageError(f"{option} has an empty item in {str(value)!r}; separate numbers with single commas")
            try:
                number = int(part)
            except ValueError:
                raise UsageError(f"{option} takes whole numbers, not {part!r}") from None
            if number < 1:
                raise UsageError(f"{option} must be >= 1, not {number}")
            if number in numbers:
                raise UsageError(f"{option} lists {number} twice")
            numbers.add(number)
    if not numbers:
        raise UsageError(f"{option} is empty; give at least one value, e.g. {option} {example}")
    return tuple(sorted(numbers))


def require_at_least(config: object, minimum: int, *names: str) -> None:
    """Each named field of `config` must be >= minimum; the message names its option (--batch-size)."""
    for name in names:
        value = getattr(config, name)
        if value < minimum:
            raise UsageError(f"--{name.replace('_', '-')} must be >= {minimum}, not {value}")


def require_positive(config: object, *names: str) -> None:
    """Each named field of `config` must be a finite number > 0 (a learning rate, a tolerance)."""
    for name in names:
        value = getattr(config, name)
        if not (value > 0 and math.isfinite(value)):
            raise UsageError(f"--{name.replace('_', '-')} must be > 0, not {value}")
