"""What every experiment's headline (its one line of key numbers, from summary.csv rows) is built from."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence

Rows = Sequence[Mapping[str, str]]


def short(value: str | None, digits: int = 3) -> str:
    """A CSV cell as a short number ("?" when it is not one)."""
    try:
        return f"{float(value):.{digits}g}"
    except (TypeError, ValueError):
        return "?"


def by_label(rows: Rows, label: str, column: str) -> dict[str, str]:
    """{label: `column`} in file order; with several rows a label (one per seed), their mean (the headline then
    says so with `seeds_note`), so that no seed's value stands for all of them unnamed."""
    values: dict[str, list[float]] = {}
    for row in rows:
        try:
            number = float(row.get(column) or "nan")
        except ValueError:
            number = math.nan
        values.setdefault(str(row.get(label, "")), []).append(number)
    return {key: short(str(sum(v) / len(v))) if all(math.isfinite(x) for x in v) else "?" for key, v in values.items()}


def seeds_note(rows: Rows) -> str:
    """" (mean of K seeds)" when the rows hold several seeds, else ""."""
    seeds = {row.get("seed") for row in rows}
    return f" (mean of {len(seeds)} seeds)" if len(seeds) > 1 else ""
