"""Parsing and checking option values that several experiments share."""

from __future__ import annotations

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
