"""Claims of `hw1 randlabel` (Zhang et al. 2017): the net memorises random labels, and learns nothing from them."""

from __future__ import annotations

import statistics
from pathlib import Path

from hw1cli.claims.source import finite, read_config, read_rows
from hw1cli.claims.stats import binomial_se
from hw1cli.claims.verdicts import INCONCLUSIVE, NOT_SUPPORTED, SUPPORTED, Claim, ClaimResult

MEMORISE_LEVEL = 0.99
CHANCE_SE = 3.0  # test accuracy is "at chance" within this many binomial standard errors of 1/classes
# Still rising: train accuracy gained more than this over the last tenth of the epochs (so more would help).
RISING = 0.005
MEMORISES = Claim("randlabel", "memorises",
                  f"Train accuracy on the random labels reaches at least {MEMORISE_LEVEL} (the net memorises them), "
                  "read as the median over the last tenth of the epochs.")
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
    """Judged on the median train accuracy of the last tenth of the epochs, so a dip (or a spike) in the final
    epoch does not decide; runs without per-epoch train accuracy fall back to the final one."""
    if train_acc is None:
        return MEMORISES.judge(INCONCLUSIVE, "no final train accuracy (diverged or unfinished)", 1)
    rows = read_rows(folder, "metrics.csv", ("epoch",)) if (folder / "metrics.csv").is_file() else []
    curve = [v for r in rows if (v := finite(r, "train_acc")) is not None] if rows and "train_acc" in rows[0] else []
    if not curve:
        curve = [train_acc]
    window = max(1, len(curve) // 10)
    level = statistics.median(curve[-window:])
    read = (f"median train acc over the last {window} epochs {level:.4f} (final {curve[-1]:.4f})" if window > 1
            else f"final train acc {level:.4f}")
    if level >= MEMORISE_LEVEL:
        return MEMORISES.judge(SUPPORTED, f"{read} ≥ {MEMORISE_LEVEL}", 1)
    gain = curve[-1] - curve[-1 - window] if len(curve) > window else 0.0
    if gain > RISING:
        return MEMORISES.judge(INCONCLUSIVE, f"{read} < {MEMORISE_LEVEL}, still rising "
                               f"(+{gain:.3f} over the last {window} epochs): train longer to decide", 1)
    return MEMORISES.judge(NOT_SUPPORTED, f"{read} < {MEMORISE_LEVEL}, levelled off "
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
