"""Write docs/results.md (and its figures, docs/gallery/) from ONE suite folder: every number on the page is read
from that folder's files, with the machine, torch version, thread count and commit beside them.

    hw1 all --data-dir data --no-download -o out --args "mnist: --seeds 3" --args "simulate: --seeds 3" \\
        --args "params: --seeds 3"
    python benchmarks/results_page.py out --wall "21 min 5 s"

--wall is the suite's wall time as you measured it (e.g. with /usr/bin/time); without it the page gives the sum
of the runs' own durations. Nothing here trains or judges anew beyond `hw1 check`'s rules on the files.
"""

from __future__ import annotations

import argparse
import re
import shutil
import statistics
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from hw1cli import registry
from hw1cli.claims.render import LEGEND, claims_context, tally, tally_text
from hw1cli.files import atomic_write_text, read_csv
from hw1cli.headlines import short
from hw1cli.phone_layout import is_phone_copy
from hw1cli.report import about, duration_seconds, figures
from hw1cli.report_render import md_escape
from hw1cli.run_folders import find_runs, judged

DOCS = Path(__file__).resolve().parents[1] / "docs"
# Columns shown per experiment beyond its key numbers (summary.csv names); label columns name a row.
MORE_COLUMNS = {
    "simulate": ("params", "outcome", "epochs"),
    "mnist": ("params", "train_acc"),
    "sensitivity": ("steps", "train_loss"),
    "minratio": ("minimal_ratio_tol", "grad_steps"),
}
CHAOS = (
    "Runs are deterministic on one machine (same seed, same thread count, same library build), but the long ones "
    "are chaotic at float level: on another CPU, another torch build or another thread count the order of float "
    "operations changes, and 20,000 Adam epochs or a training run to a loss target can end elsewhere (a stop "
    "epoch thousands of epochs away, a narrow net that collapses at one seed and not at another). Judge a claim "
    "by its seeds, not by one number: the claims below come from three seeds where they compare models."
)


def number(value: str | None) -> str:
    """A CSV cell for the page: whole numbers with thousands commas, others to 3 significant digits, words as
    they are, "–" for empty."""
    if value in ("", None):
        return "–"
    try:
        as_float = float(value)
    except ValueError:
        return str(value)
    if as_float.is_integer() and abs(as_float) >= 1 and "e" not in str(value).lower():
        return f"{int(as_float):,}"
    return short(value)


def cell(values: Sequence[str]) -> str:
    """One table cell: the value, or every seed's value joined by " / " (in seed order)."""
    shown = [number(v) for v in values]
    return md_escape(shown[0] if len(set(shown)) == 1 else " / ".join(shown))


def numeric(value: str) -> float | None:
    try:
        return float(value)
    except (TypeError, ValueError):
        return None


def summary_table(name: str, rows: Sequence[Mapping[str, str]]) -> list[str]:
    """Key numbers per label (every seed's value in a cell), or min / median / max over many unlabelled runs."""
    keys = registry.get(name).key_numbers
    if not rows or keys is None:
        return []
    columns = [c for c in (*keys.columns, *MORE_COLUMNS.get(name, ())) if c in rows[0]]
    labels = [c for c in keys.label_by if c in rows[0]]
    if not labels and len(rows) > 3:  # many runs of one setting (pca, minratio): their spread
        lines = [f"| over {len(rows)} runs | min | median | max |", "|---|---|---|---|"]
        for column in columns:
            values = [v for v in (numeric(r.get(column, "")) for r in rows) if v is not None]
            if values:
                lines.append(f"| {column} | {number(str(min(values)))} | {number(str(statistics.median(values)))} | "
                             f"{number(str(max(values)))} |")
        return lines
    groups: dict[tuple[str, ...], list[Mapping[str, str]]] = {}
    for row in rows:
        if keys.only_labelled and not all(row.get(c) for c in labels):
            continue
        groups.setdefault(tuple(row.get(c, "") for c in labels), []).append(row)
    seeds = max(len(g) for g in groups.values()) if groups else 1
    head = [*labels, *columns]
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for label, group in groups.items():
        lines.append("| " + " | ".join([*map(md_escape, label), *(cell([r.get(c, "") for r in group]) for c in columns)]) + " |")
    if seeds > 1:
        lines.append(f"\nA cell with \" / \" gives each seed's value, in seed order ({seeds} seeds).")
    return lines


def took_text(seconds: float | None, record: Mapping[str, Any]) -> str:
    status = record.get("status")
    return f"Took {seconds:.0f} s ({status})." if seconds is not None else f"Status: {status}."


def recorded_suite(record: Mapping[str, Any]) -> Mapping[str, Any]:
    """run.json's "suite" (the `hw1 all` a run belonged to: its argv, experiments at once), {} if absent or malformed."""
    suite = record.get("suite")
    return suite if isinstance(suite, dict) else {}


def machine(records: Sequence[Mapping[str, Any]]) -> str:
    first = records[0]
    versions = first.get("versions") or {}
    threads = sorted({str(r.get("threads")) for r in records if r.get("threads") is not None})
    git = ((first.get("git") or {}).get("project") or {})
    commit = str(git.get("commit", "?"))[:7] + (" (with uncommitted changes)" if git.get("dirty") else "")
    workers = recorded_suite(first).get("workers")
    at_once = f"{workers} experiments at once, " if isinstance(workers, int) and workers > 1 else ""
    return (f"CPU: {first.get('cpu') or 'unknown'}, {first.get('cpu_count')} cores, device {first.get('device')}; "
            f"{at_once}{' or '.join(threads)} torch thread(s) each; torch {versions.get('torch')}, Python {versions.get('python')}, "
            f"{versions.get('platform')}; hw1 at commit {commit}; run {str(first.get('started_at', '?'))[:10]}")


def suite_command(record: Mapping[str, Any]) -> str:
    """The command a reader types: `hw1 all ...` also where the suite ran through bench_suite.py (same options).
    A suite's run records its command line in "suite" (its own "argv" is the experiment's command when it ran
    in a worker process)."""
    recorded = recorded_suite(record).get("argv") or record.get("argv")
    argv = [str(a) for a in recorded] if isinstance(recorded, list) else []
    words = ["hw1", *argv[1:]] if argv else ["hw1", "all"]
    if argv and Path(argv[0]).name == "bench_suite.py":
        words.insert(1, "all")
    words = ["data" if w.endswith("shared/data") else ("out" if i and words[i - 1] in ("-o", "--output-dir") else w)
             for i, w in enumerate(words)]
    return " ".join(f'"{w}"' if " " in w else w for w in words)


def read_suite(root: Path, wall: str | None) -> tuple[list[Any], list[Any], list[Any], str]:
    """The suite's runs, their run.json records, their judged claims and its wall time, read once for both
    documents: --wall, else the runs' own durations summed."""
    runs = find_runs(root)
    if not runs:
        raise SystemExit(f"results_page.py: no run folders under {root}")
    records = [record for _, _, record in runs]
    seconds = sum(duration_seconds(r) or 0.0 for r in records)
    return runs, records, judged(runs), wall or f"{seconds / 60:.0f} min {seconds % 60:.0f} s (the runs' own durations, summed)"


def page(root: Path, wall: str | None, gallery: Path) -> str:
    runs, records, claims, wall_text = read_suite(root, wall)
    context = claims_context(claims)
    out = [
        "# Results on real MNIST digits (CPU, this repository's defaults)",
        "",
        "Every number on this page comes from one suite run, written by `python benchmarks/results_page.py` from "
        "that run's folder (nothing typed by hand):",
        "",
        f"    {suite_command(records[0])}",
        "",
        f"- Wall time: {wall_text}.",
        f"- Machine: {machine(records)}.",
        "- Data: `data/` holds the shared 8k/2k split of real MNIST (8,000 training and 2,000 test images), not the "
        "full 60k: the specification's LeNet reached 0.9615 test accuracy on this split with the default 10 epochs, "
        "against 98.81% reported on full MNIST (../shared/docs/experiments.md).",
        "",
        CHAOS,
        "",
        f"## Claims ({tally_text(tally(claims))})",
        "",
        f"{LEGEND}. `hw1 check out` re-judges them from the same files.",
        "",
        "| | experiment | claim | seeds | evidence |",
        "|---|---|---|---|---|",
    ]
    out += [f"| {r['symbol']} | {md_escape(r['folder'])} | {md_escape(r['sentence'])} | {md_escape(r['seeds'])} | "
            f"{md_escape(r['evidence'])} |" for r in context["rows"]]
    out += ["", "## Each experiment", ""]
    gallery.mkdir(parents=True, exist_ok=True)
    for old in gallery.glob("*.png"):  # figures of an earlier suite would outlive it
        old.unlink()
    for name, folder, record in runs:
        experiment = registry.get(name)
        took = duration_seconds(record)
        config = record.get("config") or {}
        settings = "; ".join(f"{k} = {v}" for k, v in config.items() if k not in ("device", "data_dir"))
        rows = read_csv(folder / "summary.csv")
        out += [f"### {experiment.title} (`hw1 {name}`)", "", md_escape(about(name, record, rows)), "",
                md_escape(took_text(took, record)) + " Settings: `" + " ".join(settings.replace("`", "'").split()) + "`", ""]
        out += summary_table(name, rows)
        shown = []
        for png in figures(folder, record):
            if is_phone_copy(png):
                continue
            target = gallery / re.sub(r"[^A-Za-z0-9_.-]", "_", f"{name}_{png}")  # run.json's names are data
            shutil.copyfile(folder / png, target)
            shown.append(f"![{name} {png}](gallery/{target.name})")
        out += ["", " ".join(shown), ""] if shown else [""]
    return "\n".join(out).rstrip() + "\n"


README_BEGIN = "<!-- results: written by benchmarks/results_page.py from one suite run; do not edit by hand -->"
README_END = "<!-- results: end -->"


def readme_block(root: Path, wall: str | None) -> str:
    """The README's short version: the command, wall time, machine and each claim's verdict (evidence on the page)."""
    _, records, claims, wall_text = read_suite(root, wall)
    lines = [README_BEGIN, "",
             f"The 3-seed suite on real MNIST (the shared 8k/2k split), `{suite_command(records[0])}`: "
             f"{md_escape(wall_text)} on "
             f"{md_escape(machine(records))}. Claims {tally_text(tally(claims))}; each one's evidence is in "
             "[docs/results.md](docs/results.md).", "",
             "| | experiment | claim | seeds |", "|---|---|---|---|"]
    for row in claims_context(claims)["rows"]:
        lines.append(f"| {row['symbol']} | {md_escape(row['folder'])} | {md_escape(row['sentence'])} | {md_escape(row['seeds'])} |")
    return "\n".join([*lines, "", README_END])


def replace_block(text: str, block: str) -> str:
    """`text` with the part between the README markers (markers included) replaced by `block`."""
    if README_BEGIN not in text or README_END not in text:
        raise SystemExit(f"results_page.py: the README has no {README_BEGIN!r} ... {README_END!r} block")
    head, rest = text.split(README_BEGIN, 1)
    return head + block + rest.split(README_END, 1)[1]


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("root", type=Path, help="the suite's output folder (hw1 all -o ROOT)")
    parser.add_argument("--wall", help='the suite\'s measured wall time, e.g. "21 min 5 s"')
    parser.add_argument("--output", type=Path, default=DOCS / "results.md")
    parser.add_argument("--readme", type=Path, help="also rewrite this README's results block (between its markers)")
    args = parser.parse_args(argv)
    gallery = args.output.parent / "gallery"
    text = page(args.root, args.wall, gallery)
    atomic_write_text(args.output, text)
    if args.readme:
        atomic_write_text(args.readme, replace_block(args.readme.read_text(), readme_block(args.root, args.wall)))
    print(f"wrote {args.output} and {gallery}/" + (f" and {args.readme}'s results" if args.readme else ""))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
