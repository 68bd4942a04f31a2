"""Claims of `hw1 mnist`: at equal size, the deeper CNN generalises better (HW1-1).

Both CNNs are scored on the same test images, so their accuracies are paired: where the run saved each
image's correctness (test_correct.csv), the measurement floor of the difference is the paired SE of the
per-image difference, and McNemar's test per seed is shown beside it. Older folders fall back to the two
binomial SEs added as if independent, which overstates the noise (said in the evidence).
"""

from __future__ import annotations

import statistics
from dataclasses import dataclass
from pathlib import Path

from hw1cli.claims.source import finite, read_config, read_rows, seed_of
from hw1cli.claims.stats import binomial_se, mcnemar_p, mean_se, mean_text
from hw1cli.claims.verdicts import INCONCLUSIVE, Claim, ClaimResult, compare, one_seed_note

DEEP_BEATS_SHALLOW = Claim(
    "mnist", "deep_beats_shallow",
    "At equal size, the deeper CNN (deep: 4 conv layers) reaches a higher test accuracy than the shallow one (1 conv layer).",
)
CLAIMS = (DEEP_BEATS_SHALLOW,)
PER_IMAGE = "test_correct.csv"  # model, seed, image, correct (0/1) at the final epoch


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
    paired = paired_floor(folder, sorted(set(deep) & set(shallow))) if (folder / PER_IMAGE).is_file() else None
    if paired is not None:
        # Both models are scored on the same images and share many errors: the floor is the paired SE of the
        # per-image difference, far below the two binomial SEs added as if independent.
        result = compare(deep, shallow, claimed_higher=True, floor=paired.se)
        noise = f"; {paired.text()}"
    else:
        # The test set is the same for every seed: its sampling noise is a floor that more seeds do not lower.
        floors = [binomial_se(sum(v.values()) / len(v), test_images) if test_images else 0.0 for v in (deep, shallow)]
        result = compare(deep, shallow, claimed_higher=True, floor_a=floors[0], floor_b=floors[1])
        noise = (f" (SE includes the binomial SEs on {test_images:,} test images as if independent: no {PER_IMAGE} "
                 "in this folder to pair them, so the SE is overstated)" if test_images else "")
    evidence = (f"test acc deep {mean_text(list(deep.values()))} vs shallow {mean_text(list(shallow.values()))}; "
                f"{result.text()}{noise}{one_seed_note(result.seeds)}")
    return [DEEP_BEATS_SHALLOW.judge(result.verdict, evidence, result.seeds)]


@dataclass(frozen=True)
class PairedFloor:
    se: float  # SE of the mean per-image difference (deep − shallow correct, averaged over seeds)
    images: int
    shared: list[tuple[int, int]]  # per seed: (errors both models make, deep's errors)
    mcnemar: list[float]  # per seed: exact two-sided McNemar p

    def text(self) -> str:
        shared = ", ".join(f"{both} of {deep}" for both, deep in self.shared)
        tests = ", ".join(f"{p:.2g}" for p in self.mcnemar)
        return (f"floor = paired SE of the per-image difference on {self.images:,} images {self.se:.2g} "
                f"(deep's errors that shallow shares: {shared}; McNemar p per seed {tests})")


def paired_floor(folder: Path, seeds: list[int]) -> PairedFloor | None:
    """From test_correct.csv (final epoch, one row per model, seed and image): the paired SE and McNemar tests.

    None when the file has no image both models were scored on at every compared seed.
    """
    correct: dict[tuple[str, int], dict[str, float]] = {}
    for row in read_rows(folder, PER_IMAGE, ("model", "seed", "image", "correct")):
        value = finite(row, "correct")
        if value is not None and row["model"] in ("deep", "shallow"):
            correct.setdefault((row["model"], int(float(row["seed"]))), {})[row["image"]] = value
    seeds = [s for s in seeds if ("deep", s) in correct and ("shallow", s) in correct]
    if not seeds:
        return None
    images = set.intersection(*(set(correct[(m, s)]) for s in seeds for m in ("deep", "shallow")))
    if len(images) < 2:
        return None
    shared, tests = [], []
    for s in seeds:
        deep, shallow = correct[("deep", s)], correct[("shallow", s)]
        both = sum(deep[i] == 0 and shallow[i] == 0 for i in images)
        only_deep = sum(deep[i] == 0 and shallow[i] == 1 for i in images)
        only_shallow = sum(deep[i] == 1 and shallow[i] == 0 for i in images)
        shared.append((both, both + only_deep))
        tests.append(mcnemar_p(only_deep, only_shallow))
    # The seeds' mean difference is the mean over images of each image's seed-averaged difference: its
    # sampling noise over images is the standard error of those per-image values.
    per_image = [statistics.fmean(correct[("deep", s)][i] - correct[("shallow", s)][i] for s in seeds) for i in images]
    return PairedFloor(mean_se(per_image)[1], len(images), shared, tests)
