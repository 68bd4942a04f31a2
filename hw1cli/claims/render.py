"""The claims table the report opens with: ✔ / ✘ / ? per claim, linking to each section, and the tally.

The rows are data for the report's templates (hw1cli/templates/), which escape every string for HTML and
Markdown alike: claim evidence quotes model names and numbers from the run folder's files.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from hw1cli.claims.verdicts import INCONCLUSIVE, NOT_SUPPORTED, SUPPORTED, SYMBOLS, ClaimResult

Runs = Sequence[tuple[str, Path, dict[str, Any]]]
LEGEND = "✔ supported, ✘ not supported, ? inconclusive (within noise, one seed, or too few points)"


Judged = Sequence[tuple[Path, "list[ClaimResult] | str"]]


def tally(claims: Judged) -> dict[str, int]:
    """How many claims got each verdict: {"supported": n, "not supported": n, "inconclusive": n}."""
    counts = dict.fromkeys((SUPPORTED, NOT_SUPPORTED, INCONCLUSIVE), 0)
    for _, results in claims:
        for result in results if not isinstance(results, str) else []:
            counts[result.verdict] = counts.get(result.verdict, 0) + 1
    return counts


def tally_text(counts: dict[str, int]) -> str:
    """"✔ 5 / ✘ 1 / ? 3": the banner's and `hw1 all`'s one-line tally."""
    return " / ".join(f"{SYMBOLS[v]} {counts.get(v, 0)}" for v in (SUPPORTED, NOT_SUPPORTED, INCONCLUSIVE))


def claims_context(claims: Judged) -> dict[str, Any]:
    """The claims table for the templates: one row per claim, or per folder whose claims were not judged."""
    rows = []
    for folder, results in claims:
        if isinstance(results, str):
            rows.append({"symbol": "!", "verdict": "not judged", "folder": folder.name, "sentence": results,
                         "seeds": "", "evidence": ""})
            continue
        rows.extend({"symbol": SYMBOLS[r.verdict], "verdict": r.verdict, "folder": folder.name, "sentence": r.sentence,
                     "seeds": r.seeds, "evidence": r.evidence} for r in results)
    return {"legend": LEGEND, "rows": rows, "tally": tally_text(tally(claims))}
