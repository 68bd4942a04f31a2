"""Device choice and seeding: the two runtime facts every experiment shares."""

from __future__ import annotations

import contextlib
import random
import re
from collections.abc import Iterator

import numpy as np
import torch

from hw1cli.errors import UsageError

_DEVICE_PATTERN = re.compile(r"^(auto|cpu|cuda(:\d+)?)$")


def resolve_device(name: str) -> torch.device:
    """Turn `auto|cpu|cuda|cuda:N` into a usable torch.device, or raise UsageError saying why not."""
    if not _DEVICE_PATTERN.match(name):
        raise UsageError(f"--device must be auto, cpu, cuda or cuda:N, not {name!r}")
    if name == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    if name.startswith("cuda"):
        if not torch.cuda.is_available():
            raise UsageError(f"--device {name} was asked for, but CUDA is not available here; use --device cpu")
        index = int(name.split(":")[1]) if ":" in name else 0
        if index >= torch.cuda.device_count():
            raise UsageError(f"--device {name}: only {torch.cuda.device_count()} CUDA device(s) are present")
        return torch.device("cuda", index)
    return torch.device("cpu")


def device_description(device: torch.device) -> str:
    """A human name for run.json, e.g. 'cuda:0 (NVIDIA H100 80GB HBM3)'."""
    if device.type == "cuda":
        return f"{device} ({torch.cuda.get_device_name(device)})"
    return "cpu"


def seed_everything(seed: int) -> None:
    """Seed python, numpy and torch (CPU and CUDA) once per run, in one place: the CLI's runner.

    Library code draws from local generators; this only covers what torch draws globally (dropout masks).
    """
    random.seed(seed)
    np.random.seed(seed % 2**32)
    torch.manual_seed(seed)


@contextlib.contextmanager
def seeded(seed: int) -> Iterator[None]:
    """Run a block (e.g. a model's initialisation) under `seed` without disturbing the global RNG state."""
    devices = list(range(torch.cuda.device_count())) if torch.cuda.is_available() else []
    with torch.random.fork_rng(devices=devices):
        torch.manual_seed(seed)
        yield


def generator(seed: int, device: torch.device) -> torch.Generator:
    """A local generator on `device`, for data order and other experiment randomness."""
    gen = torch.Generator(device=device)
    gen.manual_seed(seed)
    return gen


def synchronize(device: torch.device) -> None:
    """Wait for queued GPU work so that wall times measure it (a no-op on CPU)."""
    if device.type == "cuda":
        torch.cuda.synchronize(device)
