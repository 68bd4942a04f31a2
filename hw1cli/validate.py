"""Parsing and checking option values that several experiments share."""

from __future__ import annotations

from collections.abc import Iterable

from hw1cli.errors import UsageError


def parse_int_list(values: Iterable[int | str], option: str, example: str) -> tuple[int, ...]:
    """Whole numbers >= 1 from repeated and/or comma-separated values ("4,8 --widths 16"); sorted, unique."""
    numbers: set[int] = set()
    for value in values:
        for part in (p.strip() for p in str(value).split(",")):
            if not part:
                continue
            try:
                number = int(part)
            except ValueError:
                raise UsageError(f"{option} takes whole numbers, not {part!r}") from None
            if number < 1:
                raise UsageError(f"{option} must be >= 1, not {number}")
            numbers.add(number)
    if not numbers:
        raise UsageError(f"{option} is empty; give at least one value, e.g. {option} {example}")
    return tuple(sorted(numbers))
