"""CsvLog owns "already logged": on resume, rows on disk keep their keys and are neither measured nor
written again, whatever their timing columns say."""

from __future__ import annotations

from pathlib import Path

from hw1cli.files import CsvLog, read_csv
from hw1cli.training import EpochStats, log_epochs

COLUMNS = ("model", "epoch", "loss", "epoch_seconds")


def test_a_resumed_log_skips_the_rows_on_disk_and_appends_the_rest(tmp_path: Path) -> None:
    path = tmp_path / "metrics.csv"
    first = CsvLog(path, COLUMNS, keys=("model", "epoch"))
    first.write({"model": "A", "epoch": 1, "loss": 0.5, "epoch_seconds": 1.0})
    first.write({"model": "A", "epoch": 2, "loss": 0.25, "epoch_seconds": 1.0})
    first.close()
    resumed = CsvLog(path, COLUMNS, keys=("model", "epoch"), append=True)
    assert resumed.has({"model": "A", "epoch": 2}) and not resumed.has({"model": "B", "epoch": 2})
    resumed.write({"model": "A", "epoch": 2, "loss": 0.2500001, "epoch_seconds": 9.0})  # a replay: dropped
    resumed.write({"model": "B", "epoch": 2, "loss": 0.125, "epoch_seconds": 1.0})
    resumed.close()
    rows = read_csv(path)
    assert [(r["model"], r["epoch"], r["loss"]) for r in rows] == [("A", "1", "0.5"), ("A", "2", "0.25"), ("B", "2", "0.125")]


def test_log_epochs_measures_only_the_epochs_not_yet_logged(tmp_path: Path) -> None:
    path = tmp_path / "metrics.csv"
    first = CsvLog(path, COLUMNS, keys=("model", "epoch"))
    first.write({"model": "A", "epoch": 1, "loss": 0.5, "epoch_seconds": 1.0})
    first.close()
    log = CsvLog(path, COLUMNS, keys=("model", "epoch"), append=True)
    measured: list[int] = []

    def measure(stats: EpochStats) -> dict[str, float]:
        measured.append(stats.epoch)
        return {"loss": stats.running_loss, "epoch_seconds": stats.epoch_seconds}

    record = log_epochs(log, {"model": "A"}, measure)
    for epoch in (1, 2):
        record(EpochStats(epoch=epoch, running_loss=1.0 / epoch, running_acc=None, epoch_seconds=0.5))
    log.close()
    assert measured == [2]
    assert [(r["epoch"], r["loss"]) for r in read_csv(path)] == [("1", "0.5"), ("2", "0.5")]
