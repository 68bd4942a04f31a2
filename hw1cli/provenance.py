"""What run.json records so a run can be reproduced: code version (git), library versions, threads, CPU and GPU,
and a SHA-256 of every data file the run read.

Everything here is best effort: a fact that cannot be found (no `git`, no /proc) is left out, never an error.
Torch is only touched through an argument (the run's device), so importing this module stays cheap.
"""

from __future__ import annotations

import hashlib
import os
import platform
import subprocess
from collections.abc import Iterable
from importlib import metadata
from pathlib import Path
from typing import Any

import hw1cli

# Distribution names as pip knows them; the key in run.json is the name users type (scikit-learn, jinja2).
DEPENDENCIES = ("torch", "torchvision", "numpy", "matplotlib", "scikit-learn", "typer", "click", "rich", "jinja2")
GIT_TIMEOUT_SECONDS = 5
_HASH_CHUNK = 1 << 20
# (absolute path, size, mtime_ns) -> sha256: `hw1 all` and sweeps read the same files in one process many times.
_DIGESTS: dict[tuple[str, int, int], str] = {}
_READ: dict[str, None] = {}  # data files read by the current run, in order


def dependency_versions() -> dict[str, str]:
    """{name: version} of each installed dependency (read from package metadata: nothing is imported)."""
    found = {}
    for name in DEPENDENCIES:
        try:
            found[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            continue
    return found


def git_state(folder: Path) -> dict[str, Any] | None:
    """{"root", "commit", "dirty"} of the git checkout holding `folder`, or None (not a checkout, no git).
    Dirty means tracked files changed: untracked files (outputs, data) do not count."""
    def git(*args: str) -> str | None:
        try:
            done = subprocess.run(["git", "-C", str(folder), *args], capture_output=True, text=True,
                                  timeout=GIT_TIMEOUT_SECONDS, check=False)
        except (OSError, subprocess.SubprocessError):
            return None
        return done.stdout.strip() if done.returncode == 0 else None

    root = git("rev-parse", "--show-toplevel")
    commit = git("rev-parse", "HEAD") if root else None
    if not root or not commit:
        return None
    status = git("status", "--porcelain", "--untracked-files=no")
    state: dict[str, Any] = {"root": root, "commit": commit}
    if status is not None:
        state["dirty"] = bool(status)
    return state


def git_record(cwd: Path | None = None) -> dict[str, Any]:
    """The git state of hw1's own checkout ("project") and of the working folder ("cwd") when that is
    another checkout; {} when neither is one."""
    record: dict[str, Any] = {}
    project = git_state(Path(hw1cli.__file__).resolve().parent)
    if project:
        record["project"] = project
    here = git_state(Path.cwd() if cwd is None else cwd)
    if here and (not project or here["root"] != project["root"]):
        record["cwd"] = here
    return record


def cpu_model() -> str | None:
    """The CPU's model name from /proc/cpuinfo (Linux), else what platform knows."""
    try:
        with open("/proc/cpuinfo", encoding="utf-8", errors="replace") as handle:
            for line in handle:
                key, _, value = line.partition(":")
                if key.strip() in ("model name", "Model", "Hardware") and value.strip():
                    return value.strip()
    except OSError:
        pass
    return platform.processor() or None


def machine_record(device: Any) -> dict[str, Any]:
    """Threads, CPU and (on CUDA) GPU of the run; `device` is the run's torch.device."""
    import torch  # loaded already: the run has resolved its device

    record: dict[str, Any] = {"torch_threads": torch.get_num_threads(), "cpu_count": os.cpu_count()}
    cpu = cpu_model()
    if cpu:
        record["cpu"] = cpu
    if getattr(device, "type", None) == "cuda":
        record["gpu"] = torch.cuda.get_device_name(device)
    return record


def forget_reads() -> None:
    """A run starts: no data file read yet (the list is per process, and `hw1 all` runs several in one)."""
    _READ.clear()


def note_read(paths: Iterable[Path | str]) -> None:
    """data.py tells which files a run read; their checksums are taken once, when the run is recorded."""
    for path in paths:
        _READ[os.path.abspath(path)] = None


def data_checksums() -> dict[str, str]:
    """{absolute path: sha256} of the files read since forget_reads(); a file that vanished is left out."""
    digests = {}
    for path in _READ:
        try:
            stat = os.stat(path)
            key = (path, stat.st_size, stat.st_mtime_ns)
            if key not in _DIGESTS:
                _DIGESTS[key] = sha256_file(Path(path))
            digests[path] = _DIGESTS[key]
        except OSError:
            continue
    return digests


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        while chunk := handle.read(_HASH_CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def environment_record(device: Any) -> dict[str, Any]:
    """What run.json adds to the versions: git state (when there is one), threads, CPU, GPU."""
    git = git_record()
    return {**({"git": git} if git else {}), **machine_record(device)}
