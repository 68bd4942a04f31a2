"""Claims of `hw1 mnist`: at equal size, the deeper CNN generalises better (HW1-1)."""

from __future__ import annotations

from pathlib import Path

from hw1cli.claims.source import finite, read_config, read_rows, seed_of
from hw1cli.claims.stats import binomial_se, mean_text
from hw1cli.claims.verdicts import INCONCLUSIVE, Claim, ClaimResult, compare, one_seed_note

DEEP_BEATS_SHALLOW = Claim(
    "mnist", "deep_beats_shallow",
    "At equal size, the deeper CNN (deep: 4 conv layers) reaches a higher test accuracy than the shallow one (1 conv layer).",
)
CLAIMS = (DEEP_BEATS_SHALLOW,)


def evaluate(folder: Path) -> list[ClaimResult]:
    seed = int(read_config(folder).get("seed", 0))
    rows = read_rows(folder, "summary.csv", ("model", "test_acc"))
    accuracy: dict[str, dict[int, float]] = {}
    test_images: int | None = None
    for row in rows:
        value = finite(row, "test_acc")
        if value is not None:  # a diverged model has no accuracy to compare
            accuracy.setdefault(row["model"], {})[seed_of(row, seed)] = value
        if row.get("test_images"):
            test_images = int(float(row["test_images"]))
    if "deep" not in accuracy or "shallow" not in accuracy:
        trained = ", ".join(sorted(accuracy)) or "no model that finished"
        return [DEEP_BEATS_SHALLOW.judge(INCONCLUSIVE, f"needs the models shallow and deep; this run has {trained}", 0)]
    deep, shallow = accuracy["deep"], accuracy["shallow"]
    # The test set is the same for every seed: its sampling noise is a floor that more seeds do not lower.
    floors = [binomial_se(sum(v.values()) / len(v), test_images) if test_images else 0.0 for v in (deep, shallow)]
    result = compare(deep, shallow, claimed_higher=True, floor_a=floors[0], floor_b=floors[1])
    noise = f" (SE includes the binomial SE on {test_images:,} test images)" if test_images else ""
    evidence = (f"test acc deep {mean_text(list(deep.values()))} vs shallow {mean_text(list(shallow.values()))}; "
                f"{result.text()}{noise}{one_seed_note(result.seeds)}")
    return [DEEP_BEATS_SHALLOW.judge(result.verdict, evidence, result.seeds)]
