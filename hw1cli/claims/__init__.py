"""Each experiment's claims — the homework's conclusions as checkable sentences — judged from a run folder's files.

`evaluate_run(experiment, folder)` re-judges any run folder from its CSVs and run.json alone; `write_claims`
stores the verdicts as claims.csv at the end of a run. Nothing here imports torch, torchvision, sklearn or
matplotlib, so `hw1 check` starts in a fraction of a second.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from hw1cli.claims.source import ClaimsDataError

if TYPE_CHECKING:
    from hw1cli.experiment_record import Experiment

from hw1cli.claims.verdicts import INCONCLUSIVE, NOT_SUPPORTED, SUPPORTED, SYMBOLS, VERDICTS, ClaimResult

__all__ = [
    "CLAIMS_FILE", "COLUMNS", "INCONCLUSIVE", "NOT_SUPPORTED", "REQUIREMENTS", "SUPPORTED", "SYMBOLS",
    "VERDICTS", "ClaimResult", "ClaimsDataError", "evaluate_run", "meets", "write_claims",
]

CLAIMS_FILE = "claims.csv"
COLUMNS = ("experiment", "claim", "sentence", "verdict", "evidence", "seeds")
# --require: which verdicts pass. "not-refuted" lets an honest "inconclusive" (a quick preset, one seed) through.
REQUIREMENTS: dict[str, tuple[str, ...]] = {
    "supported": (SUPPORTED,),
    "not-refuted": (SUPPORTED, INCONCLUSIVE),
}


def evaluate_run(experiment: Experiment, folder: Path) -> list[ClaimResult]:
    """Every claim of the experiment (its record), judged on `folder` (ClaimsDataError if its files are unreadable)."""
    command = experiment.name
    if experiment.claims is None:
        return []
    try:
        return experiment.claims(Path(folder))
    except (KeyError, IndexError, ValueError, TypeError, ArithmeticError) as error:  # ArithmeticError: 1/0, int(inf)
        # A file that parses but holds what no run writes (a hand-edited or truncated CSV).
        raise ClaimsDataError(f"{folder}: files do not look like a finished 'hw1 {command}' run "
                              f"({type(error).__name__}: {error})") from None


def meets(result: ClaimResult, requirement: str) -> bool:
    return result.verdict in REQUIREMENTS[requirement]


def write_claims(experiment: Experiment, out: Any) -> Sequence[ClaimResult]:
    """Judge the run that just finished and write claims.csv into its folder (`out` is its RunOutput).

    The run stands whatever the claims say: a folder the claims cannot read gets a warning, not a failure.
    """
    import sys

    try:
        results = evaluate_run(experiment, out.directory)
    except ClaimsDataError as error:
        print(f"Warning: claims not judged: {error}", file=sys.stderr)
        return []
    out.write_csv(CLAIMS_FILE, [r.row() for r in results], COLUMNS)
    return results
