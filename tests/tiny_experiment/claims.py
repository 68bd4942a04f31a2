"""The tiny experiment's one claim, judged from its folder's summary.csv."""

from __future__ import annotations

from pathlib import Path

from hw1cli.claims.source import read_rows
from hw1cli.claims.verdicts import NOT_SUPPORTED, SUPPORTED, ClaimResult


def evaluate(folder: Path) -> list[ClaimResult]:
    row = read_rows(folder, "summary.csv")[0]
    steps, last = int(row["steps"]), int(row["last_value"])
    verdict = SUPPORTED if last >= (steps - 1) ** 2 else NOT_SUPPORTED
    return [ClaimResult("tiny", "squares", "The last value is at least the last step squared.", verdict,
                        f"last value {last} after {steps} steps", 1)]
