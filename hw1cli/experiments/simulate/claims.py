"""Claims of `hw1 simulate`: at equal parameters, deeper nets fit better or faster (HW1-1), per target."""

from __future__ import annotations

import math
from pathlib import Path

from hw1cli.claims.source import finite, read_config, read_rows, seed_of
from hw1cli.claims.stats import mean_text
from hw1cli.claims.verdicts import (
    INCONCLUSIVE,
    NOT_SUPPORTED,
    SUPPORTED,
    Claim,
    ClaimResult,
    any_of,
    compare,
    one_seed_note,
)

COLUMNS = ("function", "depth", "final_loss", "epochs", "converged")


def claim(function: str, depth: int, base: int) -> Claim:
    return Claim("simulate", f"{function}.depth{depth}_vs_depth{base}",
                 f"On {function}, at equal parameters, depth {depth} reaches a lower loss than depth {base}, "
                 "or meets the stop rule in fewer epochs.")


def no_collapse(function: str) -> Claim:
    return Claim("simulate", f"{function}.no_collapse",
                 f"On {function}, no net collapses to a constant output, at any depth or seed.")


def evaluate(folder: Path) -> list[ClaimResult]:
    seed = int(read_config(folder).get("seed", 0))
    rows = read_rows(folder, "summary.csv", COLUMNS)
    results = []
    for function in dict.fromkeys(r["function"] for r in rows):
        mine = [r for r in rows if r["function"] == function]
        depths = sorted({int(r["depth"]) for r in mine})
        for depth in depths[1:]:  # every deeper net against the shallowest one (depth 1 by default)
            results.append(_judge(claim(function, depth, depths[0]), mine, depth, depths[0], seed))
        if rows and "outcome" in rows[0]:  # runs from before the outcome column cannot say
            results.append(_collapses(no_collapse(function), mine, depths, seed))
    return results


def _collapses(target: Claim, rows: list[dict[str, str]], depths: list[int], seed: int) -> ClaimResult:
    """How often each depth collapsed, over the seeds: a property the seeds show, not one seed."""
    parts, total, seeds = [], 0, set()
    for depth in depths:
        by_seed = _by_seed(rows, depth, seed)
        seeds |= set(by_seed)
        collapsed = sorted(s for s, r in by_seed.items() if r.get("outcome") == "collapsed")
        total += len(collapsed)
        which = f" (seed {', '.join(map(str, collapsed))})" if collapsed else ""
        parts.append(f"depth {depth} {len(collapsed)} of {len(by_seed)}{which}")
    verdict = NOT_SUPPORTED if total else SUPPORTED if len(seeds) > 1 else INCONCLUSIVE
    evidence = f"collapsed to a constant: {'; '.join(parts)}{one_seed_note(len(seeds))}"
    return target.judge(verdict, evidence, len(seeds))


UNTRAINED = ("collapsed", "diverged")  # outcomes whose seed a depth comparison leaves out


def _by_seed(rows: list[dict[str, str]], depth: int, seed: int) -> dict[int, dict[str, str]]:
    return {seed_of(r, seed): r for r in rows if int(r["depth"]) == depth}


def _judge(target: Claim, rows: list[dict[str, str]], depth: int, base: int, seed: int) -> ClaimResult:
    deep, shallow = _by_seed(rows, depth, seed), _by_seed(rows, base, seed)
    ran = sorted(set(deep) & set(shallow))
    # A collapse (a constant output) is its own finding (the no_collapse claim, with its rate per depth), and a
    # diverged net has no final loss and stopped at its divergence, not by the stop rule: the depth comparison is
    # among the seeds where both nets trained, and says which seeds it left out and why.
    dropped = {s: [f"depth {d} {side[s]['outcome']}" for d, side in ((depth, deep), (base, shallow))
                   if side[s].get("outcome") in UNTRAINED] for s in ran}
    seeds = [s for s in ran if not dropped[s]]
    left_out = "; ".join(f"seed {s} left out ({' and '.join(d)})" for s, d in dropped.items() if d)
    if not seeds:
        return target.judge(INCONCLUSIVE, f"no seed where both nets trained: {left_out}" if left_out
                            else "no seed ran both depths", 0)
    # Losses span decades (1e-3 to 1): compare log10 of the final MSE; a diverged model has none.
    log_loss = [{s: math.log10(v) for s in seeds if (v := finite(side[s], "final_loss")) and v > 0} for side in (deep, shallow)]
    by_loss = compare(log_loss[0], log_loss[1], claimed_higher=False)
    # Stop epoch: when the rule was met, else the run's length (it ran out of epochs).
    stop = [{s: float(side[s]["epochs"]) for s in seeds} for side in (deep, shallow)]
    # Every trained seed counts: one where a net never met the rule stops at its epoch limit. Keeping only the
    # seeds where the rule was met would compare the deep net's successes alone. (Collapsed and diverged
    # seeds are left out above, and the evidence says which.)
    if any("true" in (deep[s]["converged"], shallow[s]["converged"]) for s in seeds):
        by_epochs = compare(stop[0], stop[1], claimed_higher=False)
        epochs_text = f"stop epoch {mean_text(list(stop[0].values()))} vs {mean_text(list(stop[1].values()))} ({by_epochs.text(digits=3)})"
        epochs_verdict = by_epochs.verdict
    else:
        epochs_text, epochs_verdict = "neither met the stop rule", NOT_SUPPORTED
    collapse_text = f"; compared over the {len(seeds)} of {len(ran)} seeds where both trained: {left_out}" if left_out else ""
    losses = [[v for s in seeds if (v := finite(side[s], "final_loss")) is not None] for side in (deep, shallow)]
    evidence = (f"final MSE depth {depth} {mean_text(losses[0], 3)} vs depth {base} {mean_text(losses[1], 3)} "
                f"(log10: {by_loss.text(digits=3)}); {epochs_text}{collapse_text}{one_seed_note(len(seeds))}")
    verdict = any_of(by_loss.verdict, epochs_verdict) if seeds else INCONCLUSIVE
    return target.judge(verdict, evidence, len(seeds))
