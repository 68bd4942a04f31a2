"""Each experiment's key final numbers: which summary.csv columns a sweep's table and figures show.

A point's summary.csv may hold several rows (mnist trains two models, params several widths). Rows are
labelled by their `label_by` columns and become columns such as `test_acc[deep]`; rows that share a label
(simulate's own seeds, pca's runs) are averaged. A summary with one label keeps the plain column names.
"""

from __future__ import annotations

import math
import statistics
from collections.abc import Mapping, Sequence

from hw1cli.experiment_record import KeyNumbers

__all__ = ["KeyNumbers", "finite_number", "key_numbers", "mean_and_error"]


def finite_number(value: object) -> float | None:
    """A finite number from a CSV cell (or a number), else None: "", "abc", "nan", "inf" and None are not."""
    try:
        number = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return None
    return number if math.isfinite(number) else None


def key_numbers(spec: KeyNumbers, summary: Sequence[Mapping[str, str]]) -> dict[str, float | None]:
    """{column: value} of a point's key numbers (`spec`, from the experiment's record) from its summary.csv
    rows (None where not finite)."""
    groups: dict[str, list[Mapping[str, str]]] = {}
    for row in summary:
        label = ",".join(str(row.get(c, "")) for c in spec.label_by)
        if spec.only_labelled and not label.strip(","):
            continue
        groups.setdefault(label, []).append(row)
    numbers: dict[str, float | None] = {}
    for label, rows in groups.items():
        for column in spec.columns:
            values = [v for v in (finite_number(r.get(column)) for r in rows) if v is not None]
            name = column if len(groups) == 1 else f"{column}[{label}]"
            numbers[name] = statistics.fmean(values) if values else None
    return numbers


def mean_and_error(values: Sequence[float]) -> tuple[float, float]:
    """Mean and standard error of the mean over seeds (0 for a single value)."""
    mean = statistics.fmean(values)
    return mean, (statistics.stdev(values) / math.sqrt(len(values)) if len(values) > 1 else 0.0)
