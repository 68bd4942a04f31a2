"""The report's banner: what ran (dataset, preset, seeds, device, when) and the verdict tally, plus the notice
that a quick or digits report's numbers are a smoke test, not the homework's results."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from hw1cli.claims.render import Judged, tally

Run = tuple[str, Path, dict[str, Any]]


def _config(record: Mapping[str, Any]) -> Mapping[str, Any]:
    config = record.get("config")
    return config if isinstance(config, dict) else {}


def _joined(values: Sequence[object], none: str = "—") -> str:
    return ", ".join(dict.fromkeys(str(v) for v in values)) or none


def preset_of(runs: Sequence[Run]) -> str:
    """quick, default, or "quick and default" when the folders mix the two."""
    quick = [record.get("quick") is True for _, _, record in runs]
    if not quick:
        return "—"
    return "quick" if all(quick) else "default" if not any(quick) else "quick and default (mixed)"


def seeds_of(runs: Sequence[Run]) -> str:
    """The base seeds, and how many seeds a model trained with where a run trained several."""
    bases = sorted({c["seed"] for _, _, record in runs if isinstance((c := _config(record)).get("seed"), int)})
    several = {name: c["seeds"] for name, _, record in runs
               if isinstance((c := _config(record)).get("seeds"), int) and c["seeds"] > 1}
    text = "seed " + _joined(bases) if bases else "—"
    if several:
        counts = sorted(set(several.values()))
        text += f"; {'–'.join(map(str, dict.fromkeys([counts[0], counts[-1]])))} seeds per model"
        if len(several) < len(runs):  # the others trained one seed: say where the several were
            text += f" in {', '.join(several)}, one elsewhere"
    return text


def banner(runs: Sequence[Run], claims: Judged, now: dt.datetime) -> dict[str, Any]:
    """The banner's fields, each one short line."""
    datasets = [c["dataset"] for _, _, record in runs if isinstance((c := _config(record)).get("dataset"), str)]
    devices = [record["device"] for _, _, record in runs if isinstance(record.get("device"), str)]
    finished = sorted(str(record["finished_at"])[:10] for _, _, record in runs if isinstance(record.get("finished_at"), str))
    preset = preset_of(runs)
    notice = ""
    small = [what for what, shown in (("the quick preset", "quick" in preset), ("the digits dataset", "digits" in datasets))
             if shown]
    if small:
        notice = (f"These runs used {' and '.join(small)}: a smoke test of the code in minutes. Their numbers and "
                  "verdicts are not the homework's results; run hw1 all on MNIST with the default preset for those.")
    return {
        "dataset": _joined(datasets),
        "preset": preset,
        "seeds": seeds_of(runs),
        "device": _joined(devices),
        "date": now.strftime("%Y-%m-%d %H:%M UTC"),
        "ran": (finished[0] if finished[0] == finished[-1] else f"{finished[0]} to {finished[-1]}") if finished else "—",
        "tally": tally(claims),
        "notice": notice,
    }
