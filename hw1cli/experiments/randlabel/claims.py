"""Claims of `hw1 randlabel` (Zhang et al. 2017): the net memorises random labels, and learns nothing from them."""

from __future__ import annotations

from pathlib import Path

from hw1cli.claims.source import finite, read_config, read_rows
from hw1cli.claims.stats import binomial_se
from hw1cli.claims.verdicts import INCONCLUSIVE, NOT_SUPPORTED, SUPPORTED, Claim, ClaimResult

MEMORISE_LEVEL = 0.99
CHANCE_SE = 3.0  # test accuracy is "at chance" within this many binomial standard errors of 1/classes
# Still rising: train accuracy gained more than this over the last tenth of the epochs (so more would help).
RISING = 0.005
MEMORISES = Claim("randlabel", "memorises",
                  f"Train accuracy on the random labels reaches at least {MEMORISE_LEVEL} (the net memorises them).")
CHANCE = Claim("randlabel", "test_at_chance",
               f"Test accuracy stays at chance: within {CHANCE_SE:g} binomial standard errors of 1/classes.")
CLAIMS = (MEMORISES, CHANCE)
# Every dataset hw1 knows has 10 classes; runs from before the `classes` column rely on that.
DEFAULT_CLASSES = 10


def evaluate(folder: Path) -> list[ClaimResult]:
    config = read_config(folder)
    row = (read_rows(folder, "summary.csv", ("train_acc", "test_acc")) or [{}])[0]
    results = [_memorises(folder, finite(row, "train_acc"))]
    noise = finite(row, "noise") if "noise" in row else config.get("noise", 1.0)
    if noise == 1.0:  # with partly true labels, test accuracy is meant to rise above chance
        results.append(_chance(row, config))
    return results


def _memorises(folder: Path, train_acc: float | None) -> ClaimResult:
    if train_acc is None:
        return MEMORISES.judge(INCONCLUSIVE, "no final train accuracy (diverged or unfinished)", 1)
    if train_acc >= MEMORISE_LEVEL:
        return MEMORISES.judge(SUPPORTED, f"final train acc {train_acc:.4f} ≥ {MEMORISE_LEVEL}", 1)
    curve = [v for r in read_rows(folder, "metrics.csv", ("epoch", "train_acc")) if (v := finite(r, "train_acc")) is not None]
    window = max(1, len(curve) // 10)
    gain = curve[-1] - curve[-1 - window] if len(curve) > window else 0.0
    if gain > RISING:
        return MEMORISES.judge(INCONCLUSIVE, f"final train acc {train_acc:.4f} < {MEMORISE_LEVEL}, still rising "
                               f"(+{gain:.3f} over the last {window} epochs): train longer to decide", 1)
    return MEMORISES.judge(NOT_SUPPORTED, f"train acc levelled off at {train_acc:.4f} < {MEMORISE_LEVEL} "
                           f"({gain:+.3f} over the last {window} epochs)", 1)


def _chance(row: dict[str, str], config: dict[str, object]) -> ClaimResult:
    test_acc = finite(row, "test_acc")
    classes = int(finite(row, "classes") or DEFAULT_CLASSES) if "classes" in row else DEFAULT_CLASSES
    images = finite(row, "test_images") if "test_images" in row else config.get("test_subset")
    if test_acc is None or not images:
        return CHANCE.judge(INCONCLUSIVE, "the test accuracy or the test set size is not recorded", 1)
    chance = 1 / classes
    se = binomial_se(chance, int(images))  # the spread of accuracy under pure guessing
    distance = abs(test_acc - chance) / se
    verdict = SUPPORTED if distance <= CHANCE_SE else NOT_SUPPORTED
    return CHANCE.judge(verdict, f"test acc {test_acc:.4f} vs chance {chance:.3f}: {distance:.1f} binomial SE "
                        f"({se:.4f} on {int(images):,} test images)", 1)
