"""The claims table the report opens with (HTML and Markdown): ✔ / ✘ / ? per claim, linking to each section."""

from __future__ import annotations

import html
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

from hw1cli.claims.folders import judge_folder
from hw1cli.claims.source import ClaimsDataError
from hw1cli.claims.verdicts import SYMBOLS, ClaimResult

Runs = Sequence[tuple[str, Path, dict[str, Any]]]
LEGEND = "✔ supported, ✘ not supported, ? inconclusive (within noise, one seed, or too few points)"


def judged(runs: Runs) -> list[tuple[Path, list[ClaimResult] | str]]:
    """Each run folder's claims, or the one-line reason they could not be judged."""
    out: list[tuple[Path, list[ClaimResult] | str]] = []
    for name, folder, run in runs:
        try:
            out.append((folder, judge_folder(name, folder, run)))
        except ClaimsDataError as error:
            out.append((folder, f"claims not judged: {error}"))
    return out


Judged = Sequence[tuple[Path, "list[ClaimResult] | str"]]


def _rows(claims: Judged) -> Iterator[tuple[str, ClaimResult | None, str]]:
    """(run folder, a claim's result or None, why it could not be judged): one per table row."""
    for folder, results in claims:
        if isinstance(results, str):
            yield folder.name, None, results
        else:
            yield from ((folder.name, result, "") for result in results)


def claims_html(claims: Judged) -> str:
    """The table for index.html, from `judged(runs)` (judged once for both documents)."""
    rows = []
    for name, r, problem in _rows(claims):
        link = f'<a href="#{html.escape(name)}">{html.escape(name)}</a>'
        rows.append(f"<tr><td>!</td><td>{link}</td><td colspan='3'>{html.escape(problem)}</td></tr>" if r is None else
                    f"<tr><td title='{html.escape(r.verdict)}'>{SYMBOLS[r.verdict]}</td><td>{link}</td>"
                    f"<td>{html.escape(r.sentence)}</td><td>{r.seeds}</td><td>{html.escape(r.evidence)}</td></tr>")
    if not rows:
        return ""
    head = "<tr><th></th><th>experiment</th><th>claim</th><th>seeds</th><th>evidence</th></tr>"
    return (f"<h2>Claims</h2><p>{html.escape(LEGEND)}.</p>"
            f'<div class="wide"><table><thead>{head}</thead><tbody>{"".join(rows)}</tbody></table></div>')


def claims_markdown(claims: Judged) -> list[str]:
    """The table for report.md, from `judged(runs)`."""
    lines = []
    for name, r, problem in _rows(claims):
        link = f"[{name}](#{name})"
        lines.append(f"| ! | {link} | {_cell(problem)} | | |" if r is None else
                     f"| {SYMBOLS[r.verdict]} | {link} | {_cell(r.sentence)} | {r.seeds} | {_cell(r.evidence)} |")
    if not lines:
        return []
    return ["## Claims", "", f"{LEGEND}.", "", "| | experiment | claim | seeds | evidence |", "|---|---|---|---|---|",
            *lines, ""]


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")
