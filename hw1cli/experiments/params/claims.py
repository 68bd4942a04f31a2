"""Claims of `hw1 params`: more parameters fit the training set better and widen the generalization gap (HW1-3)."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from hw1cli.claims.source import finite, read_config, read_rows, seed_of
from hw1cli.claims.stats import mean_se, spearman
from hw1cli.claims.verdicts import Claim, ClaimResult, trend

TRAIN_LOSS_FALLS = Claim("params", "train_loss_falls", "Training loss falls as the number of parameters grows.")
GAP_GROWS = Claim("params", "gap_grows", "The test − train loss gap grows with the number of parameters.")
CLAIMS = (TRAIN_LOSS_FALLS, GAP_GROWS)


def evaluate(folder: Path) -> list[ClaimResult]:
    seed = int(read_config(folder).get("seed", 0))
    rows = read_rows(folder, "summary.csv", ("params", "train_loss", "test_loss"))
    # value[column][seed][params]; a diverged model has no numbers and drops out
    values: dict[str, dict[int, dict[float, float]]] = {"train_loss": {}, "gap": {}}
    widths: dict[float, str] = {}
    for row in rows:
        train, test, size = finite(row, "train_loss"), finite(row, "test_loss"), finite(row, "params")
        if train is None or test is None or size is None:
            continue
        s = seed_of(row, seed)
        if row.get("width"):
            widths[size] = row["width"]
        values["train_loss"].setdefault(s, {})[size] = train
        values["gap"].setdefault(s, {})[size] = test - train
    gap = _judge(GAP_GROWS, values["gap"], increasing=True, what="test−train gap")
    return [_judge(TRAIN_LOSS_FALLS, values["train_loss"], increasing=False, what="train loss"),
            replace(gap, evidence=gap.evidence + peak_text(values["gap"], widths))]


def peak_text(by_seed: dict[int, dict[float, float]], widths: dict[float, str]) -> str:
    """Where the mean gap peaks and how it runs after: a rank correlation over all sizes cannot show a
    rise-then-fall (the audited suite: up to +0.173 at 39.6k parameters, then down to +0.139, ρ = −1)."""
    sizes = sorted({p for per_seed in by_seed.values() for p in per_seed})
    if len(sizes) < 3:
        return ""
    means = [mean_se([v[p] for v in by_seed.values() if p in v])[0] for p in sizes]
    top = max(range(len(sizes)), key=means.__getitem__)
    width = f", width {widths[sizes[top]]}" if sizes[top] in widths else ""
    text = f"; the mean gap peaks at {means[top]:+.3g} at {sizes[top]:,.0f} parameters{width}"
    if top == len(sizes) - 1:
        return text + " (the largest model)"
    after = spearman(sizes[top:], means[top:])
    fall = f"{after.text()}" if len(sizes) - top >= 3 else f"{len(sizes) - top} sizes, too few for a ρ"
    return text + f", then {means[-1]:+.3g} at the largest ({fall} from the peak on)"


def _judge(target: Claim, by_seed: dict[int, dict[float, float]], *, increasing: bool, what: str) -> ClaimResult:
    sizes = sorted({p for per_seed in by_seed.values() for p in per_seed})
    means = [mean_se([v[p] for v in by_seed.values() if p in v])[0] for p in sizes]
    overall = spearman(sizes, means)
    per_seed = [spearman(list(v), list(v.values())) for v in by_seed.values()]
    sign = 1 if increasing else -1
    agree = sum(c.rho * sign > 0 for c in per_seed)  # a ρ of 0 or nan (one size, a constant side) counts for neither
    oppose = sum(c.rho * sign < 0 for c in per_seed)
    seeds = len(by_seed)
    over = f"mean over {seeds} seeds, " if seeds > 1 else ""
    evidence = (f"{what} vs parameters ({over}{sizes[0]:,.0f}–{sizes[-1]:,.0f}): {overall.text()}"
                if sizes else "no finished model")
    if seeds > 1:
        evidence += f"; seeds' own ρ: {agree} of {seeds} agree, {oppose} disagree"
    return target.judge(trend(overall, increasing=increasing, seeds_agree=(agree, oppose, seeds)), evidence, seeds)
