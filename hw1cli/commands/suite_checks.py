"""`hw1 all`'s own option checks: which experiments, their --args, and the root folder (no I/O but reading)."""

from __future__ import annotations

import shlex
from pathlib import Path

from hw1cli import registry
from hw1cli.errors import UsageError
from hw1cli.run_folders import find_runs
from hw1cli.run_record import RUN_FILE
from hw1cli.sweep.report import find_sweeps

# The suite places every run folder under its root itself; an experiment sent elsewhere would be missing
# from the report. Short flags that take no value, and so may come before -o in a cluster such as -qo:
VALUELESS_SHORT_FLAGS = "q"


def sets_output_dir(word: str) -> bool:
    """Whether an argument sets the output folder: --output-dir[=DIR], -o, -oDIR, or a cluster like -qoDIR."""
    if word.startswith("--"):
        return word.split("=")[0] == "--output-dir"
    if not word.startswith("-"):
        return False
    for letter in word[1:]:
        if letter == "o":
            return True
        if letter not in VALUELESS_SHORT_FLAGS:
            return False
    return False


def parse_experiment_args(values: list[str], chosen: list[str]) -> dict[str, list[str]]:
    """`--args "gradnorm: --iterations 50"` -> {"gradnorm": ["--iterations", "50"]}."""
    extra: dict[str, list[str]] = {}
    for value in values:
        name, sep, rest = value.partition(":")
        name = name.strip()
        if not sep or name not in registry.names():
            raise UsageError(f"--args takes 'EXPERIMENT: OPTIONS' with EXPERIMENT one of {', '.join(registry.names())}; got {value!r}")
        if name not in chosen:
            raise UsageError(f"--args gives options to {name}, which --only/--skip leave out")
        try:
            words = shlex.split(rest)
        except ValueError as error:
            raise UsageError(f"--args {value!r}: {error}") from None
        owned = [w for w in words if sets_output_dir(w)]
        if owned:
            raise UsageError(f"--args cannot set {owned[0]}: hw1 all puts each experiment in <root>/<experiment>; set the root with -o")
        if any(w in ("--help", "-h") for w in words):
            raise UsageError(f"--args cannot ask for --help; run: hw1 {name} --help")
        extra.setdefault(name, []).extend(words)
    return extra


def check_root(root: Path, force: bool) -> None:
    """Like a single command's folder check: the root holds hw1 run folders (any name, e.g. outputs/depth3
    from `hw1 simulate --depth 3 -o outputs/depth3`), sweep folders (`hw1 sweep -o ROOT/NAME`; the report
    shows them too) and the report, nothing else."""
    if root.exists() and not root.is_dir():
        raise UsageError(f"output path {root} exists and is not a folder")
    if not root.is_dir():
        return
    # ROOT/<experiment> is a folder hw1 all makes: a link there (planted, or --force or not) would send a run's
    # files elsewhere, which the report would then not show either
    linked = next((name for name in registry.names() if (root / name).is_symlink()), None)
    if linked is not None:
        raise UsageError(f"{root / linked} is a symbolic link; hw1 all writes only into folders of its own: "
                         "remove it or choose another -o")
    if force:
        return
    if (root / RUN_FILE).exists():
        raise UsageError(f"{root} is the run folder of one experiment; give hw1 all a root folder of its own with -o")
    ours = {*registry.names(), "index.html", "report.md", *(folder.name for _, folder, _ in find_runs(root)),
            *(folder.name for folder, _ in find_sweeps(root))}
    foreign = sorted(p.name for p in root.iterdir() if p.name not in ours and not p.name.startswith("."))
    if foreign:
        raise UsageError(f"{root} already holds files that hw1 all did not write ({foreign[0]}, ...); choose another -o or pass --force")


def select(only: list[str], skip: list[str]) -> list[str]:
    for name in [*only, *skip]:
        if name not in registry.names():
            raise UsageError(f"unknown experiment {name!r} in --only/--skip; choose from {', '.join(registry.names())}")
    chosen = [n for n in registry.names() if (not only or n in only) and n not in skip]
    if not chosen:
        raise UsageError("--only/--skip leave no experiment to run")
    return chosen
