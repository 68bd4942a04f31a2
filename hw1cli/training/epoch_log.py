"""The one way a fit's epochs become metrics.csv rows: fit's on_epoch callback that writes a row per epoch."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from hw1cli.files import CsvLog
from hw1cli.training.results import EpochStats


def log_epochs(
    log: CsvLog, keys: Mapping[str, Any], measure: Callable[[EpochStats], Mapping[str, Any]]
) -> Callable[[EpochStats], None]:
    """An on_epoch that writes `keys`, the epoch and `measure(stats)` as one row. An epoch the log already holds
    (a resumed run replaying it from a checkpoint) is neither measured nor written again."""

    def record(stats: EpochStats) -> None:
        row = {**keys, "epoch": stats.epoch}
        if not log.has(row):
            log.write({**row, **measure(stats)})

    return record
