"""What a claim is, what a verdict says, and the one rule that decides a comparison of models across seeds.

A claim is a sentence from the homework (or the paper behind it) that one run's files can check. Its verdict is
`supported`, `not supported` or `inconclusive`, always with the numbers that decided it and the number of
seeds behind them. The decision rule for comparisons (see `compare`) is Welch's t test with its small-sample
critical values: a difference within noise, or one seed alone, is never "supported".
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from hw1cli.claims.stats import SIGNIFICANCE, RankCorrelation, mean_se
from hw1cli.claims.tdist import t_quantile, t_sf

SUPPORTED = "supported"
NOT_SUPPORTED = "not supported"
INCONCLUSIVE = "inconclusive"
VERDICTS = (SUPPORTED, NOT_SUPPORTED, INCONCLUSIVE)
SYMBOLS = {SUPPORTED: "✔", NOT_SUPPORTED: "✘", INCONCLUSIVE: "?"}
# One-sided level of a comparison: a difference counts once P(T ≥ t) < 2.5% (a 95% two-sided interval).
LEVEL = 0.025


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
    df: float = math.nan  # Welch–Satterthwaite degrees of freedom of d / SE (inf: the SE is all measurement floor)

    def text(self, unit: str = "", digits: int = 4, of: str = "seed") -> str:
        """"difference +0.0065 ± 0.0021 SE (t = 3.1 on 3.6 df, needs 2.9), 3 of 3 seeds agree"."""
        se = "" if math.isnan(self.se) else f" ± {self.se:.{digits}g} SE"
        test = ""
        if self.seeds > 1 and self.se > 0 and not math.isnan(self.df):
            test = f" (t = {self.difference / self.se:+.3g} on {df_text(self.df)} df, needs ±{critical_t(self.df):.3g})"
        agreeing = f", {self.agree} of {self.seeds} {of}s agree" if self.seeds > 1 else ""  # one: see one_seed_note
        return f"difference {self.difference:+.{digits}g}{unit}{se}{test}{agreeing}"


def df_text(df: float) -> str:
    """Degrees of freedom for the evidence: "2.3", "41", "12,000", "∞"."""
    return "∞" if math.isinf(df) else f"{df:.2g}" if df < 10 else f"{df:,.0f}"


def critical_t(df: float) -> float:
    """The t beyond which a one-sided difference is decided (the two-sided 95% point, 4.30 at 2 df)."""
    return t_quantile(1 - LEVEL, df)


def welch(a: Sequence[float], b: Sequence[float], floor: float = 0.0) -> tuple[float, float, float]:
    """(mean(A) − mean(B), its SE, Welch–Satterthwaite df) with a measurement floor of known variance.

    SE² = s_A²/n_A + s_B²/n_B + floor²; the floor is a known variance (infinitely many df), so it adds to
    SE² but not to the df's denominator: df = SE⁴ / Σ (s_X²/n_X)² / (n_X − 1).
    """
    (mean_a, se_a), (mean_b, se_b) = mean_se(a), mean_se(b)
    se, df = satterthwaite([(se_a, len(a) - 1), (se_b, len(b) - 1), (floor, math.inf)])
    return mean_a - mean_b, se, df


def satterthwaite(parts: Sequence[tuple[float, float]]) -> tuple[float, float]:
    """The SE of a sum of independent estimates given as (SE, df), and its Welch–Satterthwaite df."""
    variance = math.fsum(se * se for se, _ in parts)
    spread = math.fsum(se**4 / df for se, df in parts if se > 0 and not math.isinf(df))
    return math.sqrt(variance), variance**2 / spread if spread > 0 else math.inf


def compare(a: Mapping[int, float], b: Mapping[int, float], *, claimed_higher: bool,
            floor_a: float = 0.0, floor_b: float = 0.0, floor: float | None = None) -> Comparison:
    """Whether A beats B (higher if `claimed_higher`, else lower) across the seeds both ran.

    The rule (documented in docs/claims.md) is Welch's t test at one-sided level 2.5% with a majority of seeds:
    on the seeds both ran, d = mean(A) − mean(B) in the claimed direction, SE² = SE_A² + SE_B² + floor² (SE_X
    the standard error of X's mean over seeds; floor the measurement noise of the difference that more
    seeds do not shrink: `floor`, or hypot(floor_a, floor_b) for two independent floors) and df by
    Welch–Satterthwaite. Supported: at least 2 seeds, t = d/SE beyond the t quantile critical_t(df) (4.30
    at 2 df, 2.78 at 4, 1.96 at ∞) and more than half the seeds agree. Not supported: the mirror image.
    Everything else, one seed included (its seed-to-seed spread is unknown), is inconclusive. Under "no
    difference" this says "supported" 1.1–2.5% of the time with 2, 3 or 5 seeds when the two spreads are
    within 2× (tests/test_claims_stats.py simulates it), up to 2.9% when one is 4× the other (Welch's df is
    then estimated a little high); the earlier d > 2·SE rule said it 9–12% of the time with 2 seeds.
    """
    seeds = sorted(set(a) & set(b))
    sign = 1.0 if claimed_higher else -1.0
    diffs = [sign * (a[s] - b[s]) for s in seeds]
    if not seeds:
        return Comparison(INCONCLUSIVE, math.nan, math.nan, 0, 0)
    measurement = math.hypot(floor_a, floor_b) if floor is None else floor
    difference, se, df = welch([a[s] for s in seeds], [b[s] for s in seeds], measurement)
    difference *= sign
    agree, disagree = sum(d > 0 for d in diffs), sum(d < 0 for d in diffs)
    if len(seeds) < 2:
        return Comparison(INCONCLUSIVE, difference, measurement or math.nan, agree, 1)
    verdict = INCONCLUSIVE
    if se == 0:  # every seed gave the same numbers and no floor: a difference is exact
        beyond, below = difference > 0, difference < 0
    else:
        tail = t_sf(abs(difference) / se, df)  # one tail: the one the difference points to
        beyond, below = difference > 0 and tail < LEVEL, difference < 0 and tail < LEVEL
    if beyond and agree > len(seeds) / 2:
        verdict = SUPPORTED
    elif below and disagree > len(seeds) / 2:
        verdict = NOT_SUPPORTED
    return Comparison(verdict, difference, se, agree, len(seeds), df)


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


def trend(correlation: RankCorrelation, *, increasing: bool, seeds_agree: tuple[int, int, int] | None = None) -> str:
    """A monotone trend: supported when Spearman's ρ has the claimed sign at two-sided p < 0.05 (and, with
    several seeds, more than half the seeds' own ρ has it too); refuted when ρ has the opposite sign at
    p < 0.05 (and more than half the seeds' own ρ has that sign); inconclusive otherwise, so too few points
    (n ≤ 3 can never reach p < 0.05) stay undecided. `seeds_agree`: (seeds whose ρ has the claimed sign,
    seeds whose ρ has the opposite sign, all seeds); a ρ of 0 or one that is undefined counts for neither."""
    if math.isnan(correlation.rho) or correlation.p >= SIGNIFICANCE:
        return INCONCLUSIVE
    claimed = (correlation.rho > 0) == increasing
    if seeds_agree is not None:
        agree, oppose, total = seeds_agree
        if total > 1 and (agree if claimed else oppose) <= total / 2:
            return INCONCLUSIVE
    return SUPPORTED if claimed else NOT_SUPPORTED
