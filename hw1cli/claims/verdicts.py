"""What a claim is, what a verdict says, and the one rule that decides a comparison of models across seeds.

A claim is a sentence from the homework (or the paper behind it) that one run's files can check. Its verdict is
`supported`, `not supported` or `inconclusive`, always with the numbers that decided it and the number of
seeds behind them. The decision rule for comparisons (see `compare`) is deliberately conservative: a
difference within noise, or one seed alone, is never "supported".
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass

from hw1cli.claims.stats import SIGNIFICANCE, RankCorrelation, mean_se

SUPPORTED = "supported"
NOT_SUPPORTED = "not supported"
INCONCLUSIVE = "inconclusive"
VERDICTS = (SUPPORTED, NOT_SUPPORTED, INCONCLUSIVE)
SYMBOLS = {SUPPORTED: "✔", NOT_SUPPORTED: "✘", INCONCLUSIVE: "?"}
# A difference counts once it is beyond this many standard errors (about a 95% two-sided interval).
SE_MULTIPLE = 2.0


@dataclass(frozen=True)
class ClaimResult:
    """One claim judged on one run folder: the row claims.csv holds."""

    experiment: str
    claim_id: str
    sentence: str
    verdict: str
    evidence: str
    seeds: int

    def row(self) -> dict[str, str | int]:
        return {"experiment": self.experiment, "claim": self.claim_id, "sentence": self.sentence,
                "verdict": self.verdict, "evidence": self.evidence, "seeds": self.seeds}


@dataclass(frozen=True)
class Claim:
    """A checkable sentence of one experiment; `judge` turns it into a result."""

    experiment: str
    claim_id: str
    sentence: str

    def judge(self, verdict: str, evidence: str, seeds: int) -> ClaimResult:
        assert verdict in VERDICTS, verdict
        return ClaimResult(self.experiment, self.claim_id, self.sentence, verdict, evidence, seeds)


@dataclass(frozen=True)
class Comparison:
    """Group A against group B, signed so that a positive difference is the claimed direction."""

    verdict: str
    difference: float  # mean(A) - mean(B), in the claimed direction
    se: float  # standard error of that difference (nan with one seed and no measurement noise)
    agree: int  # seeds (paired by seed) whose own difference points the claimed way
    seeds: int

    def text(self, unit: str = "", digits: int = 4, of: str = "seed") -> str:
        """"difference +0.0065 ± 0.0021 SE, 3 of 3 seeds agree" (`of` names what the seeds are: runs...)."""
        se = "" if math.isnan(self.se) else f" ± {self.se:.{digits}g} SE"
        agreeing = f", {self.agree} of {self.seeds} {of}s agree" if self.seeds > 1 else ""  # one: see one_seed_note
        return f"difference {self.difference:+.{digits}g}{unit}{se}{agreeing}"


def compare(a: Mapping[int, float], b: Mapping[int, float], *, claimed_higher: bool,
            floor_a: float = 0.0, floor_b: float = 0.0) -> Comparison:
    """Whether A beats B (higher if `claimed_higher`, else lower) across the seeds both ran.

    The rule (documented in the README): with the seeds paired by seed, d = mean(A) − mean(B) in the claimed
    direction and SE = sqrt(SE_A² + SE_B² + floor_A² + floor_B²), SE_X being the standard error of X's
    mean over seeds and floor_X a measurement noise that more seeds do not shrink (the binomial standard
    error of an accuracy on a fixed test set). Supported: at least 2 seeds, d > 2·SE and more than half the
    seeds agree. Not supported: at least 2 seeds, d < −2·SE and more than half the seeds disagree.
    Everything else, one seed included (its seed-to-seed spread is unknown), is inconclusive.
    """
    seeds = sorted(set(a) & set(b))
    sign = 1.0 if claimed_higher else -1.0
    diffs = [sign * (a[s] - b[s]) for s in seeds]
    if not seeds:
        return Comparison(INCONCLUSIVE, math.nan, math.nan, 0, 0)
    mean_a, se_a = mean_se([a[s] for s in seeds])
    mean_b, se_b = mean_se([b[s] for s in seeds])
    difference = sign * (mean_a - mean_b)
    agree, disagree = sum(d > 0 for d in diffs), sum(d < 0 for d in diffs)
    if len(seeds) < 2:
        se = math.hypot(floor_a, floor_b) if floor_a or floor_b else math.nan
        return Comparison(INCONCLUSIVE, difference, se, agree, 1)
    se = math.sqrt(se_a**2 + se_b**2 + floor_a**2 + floor_b**2)
    verdict = INCONCLUSIVE
    if difference > SE_MULTIPLE * se and agree > len(seeds) / 2:
        verdict = SUPPORTED
    elif difference < -SE_MULTIPLE * se and disagree > len(seeds) / 2:
        verdict = NOT_SUPPORTED
    return Comparison(verdict, difference, se, agree, len(seeds))


def any_of(*verdicts: str) -> str:
    """The verdict of "X or Y": supported if one part is, refuted only if every part is."""
    if SUPPORTED in verdicts:
        return SUPPORTED
    return NOT_SUPPORTED if verdicts and all(v == NOT_SUPPORTED for v in verdicts) else INCONCLUSIVE


def all_of(*verdicts: str) -> str:
    """The verdict of "X and Y": supported if every part is, refuted once one part is."""
    if NOT_SUPPORTED in verdicts:
        return NOT_SUPPORTED
    return SUPPORTED if verdicts and all(v == SUPPORTED for v in verdicts) else INCONCLUSIVE


def one_seed_note(seeds: int) -> str:
    return " (1 seed: the seed-to-seed spread is unknown; rerun with --seeds 3 to decide)" if seeds == 1 else ""


def trend(correlation: RankCorrelation, *, increasing: bool, seeds_agree: tuple[int, int] | None = None) -> str:
    """A monotone trend: supported when Spearman's ρ has the claimed sign at two-sided p < 0.05 (and, with
    several seeds, more than half the seeds' own ρ has it too); refuted when ρ has the opposite sign at
    p < 0.05; inconclusive otherwise, so too few points (n ≤ 3 can never reach p < 0.05) stay undecided."""
    if math.isnan(correlation.rho) or correlation.p >= SIGNIFICANCE:
        return INCONCLUSIVE
    claimed = (correlation.rho > 0) == increasing
    if seeds_agree is not None:
        agree, total = seeds_agree
        if total > 1 and (agree if claimed else total - agree) <= total / 2:
            return INCONCLUSIVE
    return SUPPORTED if claimed else NOT_SUPPORTED
