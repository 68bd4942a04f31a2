"""What every experiment's headline (its one line of key numbers, from summary.csv rows) is built from."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

Rows = Sequence[Mapping[str, str]]


def short(value: str | None, digits: int = 3) -> str:
    """A CSV cell as a short number ("?" when it is not one)."""
    try:
        return f"{float(value):.{digits}g}"
    except (TypeError, ValueError):
        return "?"
