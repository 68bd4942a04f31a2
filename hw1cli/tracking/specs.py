"""`--log-to KIND[:WHERE]`: which trackers a run writes to, checked before anything starts."""

from __future__ import annotations

import importlib.util
from collections.abc import Iterable
from dataclasses import dataclass

from hw1cli.errors import UsageError

# kind -> (the module that must import, the extra that installs it)
KINDS = {
    "tensorboard": ("tensorboard", "tensorboard"),
    "mlflow": ("mlflow", "mlflow"),
}


NONE = "none"  # --log-to none: no tracker, not even those a rerun would take from run.json


@dataclass(frozen=True)
class TrackerSpec:
    """One tracker: its kind and where it writes ("" = the default place)."""

    kind: str  # tensorboard | mlflow
    target: str = ""  # TensorBoard: a log folder; MLflow: a tracking URI (sqlite:///..., http://..., a folder)

    def __str__(self) -> str:
        return f"{self.kind}:{self.target}" if self.target else self.kind


def parse_log_to(values: Iterable[str], option: str = "--log-to") -> tuple[TrackerSpec, ...]:
    """`tensorboard`, `tensorboard:DIR`, `mlflow`, `mlflow:URI` (repeatable, commas allowed) -> specs.

    A kind given twice with the same target is kept once; `none` alone is no tracker (a rerun then logs nowhere,
    whatever run.json recorded). Raises UsageError for an unknown kind or an extra that is not installed (with
    the command that installs it)."""
    words = [part.strip().lower() for value in values for part in str(value).split(",") if part.strip()]
    if NONE in words:
        if len(set(words)) > 1:
            raise UsageError(f"{option} none means no tracker: leave out the others, or none")
        return ()
    specs: list[TrackerSpec] = []
    for value in values:
        if not str(value).replace(",", "").strip():  # `--log-to ''` named no tracker: not the same as leaving it out
            raise UsageError(f"{option} {str(value)!r} names no tracker: choose tensorboard[:DIR] or mlflow[:URI]")
        for part in str(value).split(","):
            text = part.strip()
            if not text:
                continue
            kind, _, target = text.partition(":")
            kind = kind.strip().lower()
            if kind not in KINDS:
                raise UsageError(f"{option} {text!r}: choose tensorboard[:DIR], mlflow[:URI] or none")
            spec = TrackerSpec(kind, target.strip())
            if spec not in specs:
                specs.append(spec)
    check_available(specs, option)
    return tuple(specs)


def check_available(specs: Iterable[TrackerSpec], option: str = "--log-to") -> None:
    for spec in specs:
        module, extra = KINDS[spec.kind]
        if not installed(module):
            raise UsageError(f"{option} {spec.kind} needs the '{extra}' extra: pip install -e \".[{extra}]\" "
                             f"(or pip install 'hw1cli[{extra}]')")


def installed(module: str) -> bool:
    """Whether `module` can be imported, without importing it (mlflow takes seconds to import)."""
    try:
        return importlib.util.find_spec(module) is not None
    except (ImportError, ValueError):  # a parent package missing, or a module set to None in sys.modules
        return False
