"""The sizes and numbers a sweep checks before anything starts (nothing written, no pool, no Ray).

Each limit stops a mistake that would otherwise surface late and badly: `--cpus-per-run nan` as an internal
error, `1000000` as a million torch threads, a 10^6-point grid as minutes of silence and a gigabyte of plans,
a long grid value as "File name too long" after the sweep had started.
"""

from __future__ import annotations

import math
import os
from collections.abc import Sequence
from pathlib import Path

from hw1cli.errors import UsageError
from hw1cli.sweep.spec import Axis, Point

MAX_POINTS = 10_000  # points in one sweep: grid combinations x seeds
# Per point on a cluster this machine cannot see (--address): beyond any node's size, so surely a typo.
MAX_CLUSTER_CPUS = 1024
MAX_GPUS = 64
# The point's folder holds names up to this long (checkpoints/<model>.pt, hw1's temporary names).
_LONGEST_INSIDE = 64


def machine_cpus() -> int:
    return os.cpu_count() or 1


def check_resources(backend: str, workers: int | None, address: str | None, cpus: float, gpus: float) -> None:
    """--workers, --cpus-per-run and --gpus-per-run: finite, in range, and what the backend can give."""
    here = machine_cpus()
    on_this_machine = backend == "local" or address is None  # the local pool, or a Ray started here
    most_workers = 4 * here if on_this_machine else MAX_POINTS
    if workers is not None and not 1 <= workers <= most_workers:
        why = f"4 x the {here} CPUs of this machine" if on_this_machine else "the most points a sweep may have"
        raise UsageError(f"--workers must be between 1 and {most_workers} ({why}), not {workers}")
    if backend == "local":
        most_cpus, why = here, f"the {here} CPUs of this machine"
    elif address is None:  # a Ray started here has --workers CPUs, else all of this machine's
        most_cpus, why = workers or here, f"the {workers or here} CPUs of the Ray started here"
    else:
        most_cpus, why = MAX_CLUSTER_CPUS, "a sane limit per point"
    if not (math.isfinite(cpus) and 0 < cpus <= most_cpus):
        raise UsageError(f"--cpus-per-run must be a number above 0 and at most {most_cpus} ({why}), not {cpus:g}")
    if not (math.isfinite(gpus) and 0 <= gpus <= MAX_GPUS):
        raise UsageError(f"--gpus-per-run must be a number from 0 to {MAX_GPUS}, not {gpus:g}")
    if gpus > 1 and gpus != int(gpus):
        raise UsageError(f"--gpus-per-run above 1 must be a whole number (Ray splits only one GPU), not {gpus:g}")


def check_grid_size(axes: Sequence[Axis], seeds: int) -> None:
    """Refuse a grid with too many points from the counts alone, before a single point is planned."""
    points = math.prod(len(axis.values) for axis in axes) * seeds
    if points > MAX_POINTS:
        sizes = " x ".join([*(str(len(a.values)) for a in axes), f"{seeds} seeds"])
        raise UsageError(f"the sweep would have {points:,} points ({sizes}); at most {MAX_POINTS:,}: split it into smaller sweeps")


def check_folder_names(root: Path, points: Sequence[Point]) -> None:
    """Every point's folder name (and the path to what it holds) must fit the file system's limits."""
    existing = next((p for p in (root, *root.parents) if p.is_dir()), Path("."))
    name_max, path_max = _limit(existing, "PC_NAME_MAX", 255), _limit(existing, "PC_PATH_MAX", 4096)
    base = len(os.fsencode(str(root.absolute())))
    for point in points:
        size = len(os.fsencode(point.name))
        if size > name_max or base + 1 + size + 1 + _LONGEST_INSIDE > path_max:
            where = ", ".join(f"{n}={v[:20]}{'...' if len(v) > 20 else ''}" for n, v in point.values)
            raise UsageError(f"sweep point {where}: its folder name would be {size} characters, over the file "
                             f"system's limit of {name_max} (or its path too long); use shorter --grid values or -o")


def _limit(folder: Path, name: str, default: int) -> int:
    try:
        return int(os.pathconf(folder, name))
    except (OSError, ValueError):
        return default
