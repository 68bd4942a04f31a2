"""Parsing and checking option values that several experiments share."""

from __future__ import annotations

import itertools
import math
import os
import re
import struct
from collections.abc import Iterable, Sequence

from hw1cli.errors import UsageError


def parse_int_list(values: Iterable[int | str], option: str, example: str) -> tuple[int, ...]:
    """Whole numbers >= 1 from repeated and/or comma-separated values ("4,8 --widths 16"), sorted; each at most
    once (a repeat or an empty item is more likely a typo than a wish)."""
    numbers: set[int] = set()
    for value in values:
        parts = [p.strip() for p in str(value).split(",")]
        if not any(parts):
            continue  # a blank value: the "is empty" message below says what to give
        for part in parts:
            if not part:
                raise UsageError(f"{option} has an empty item in {str(value)!r}; separate numbers with single commas")
            try:
                number = int(part)
            except ValueError:
                raise UsageError(f"{option} takes whole numbers, not {part!r}") from None
            if number < 1:
                raise UsageError(f"{option} must be >= 1, not {number}")
            if number in numbers:
                raise UsageError(f"{option} lists {number} twice")
            numbers.add(number)
    if not numbers:
        raise UsageError(f"{option} is empty; give at least one value, e.g. {option} {example}")
    return tuple(sorted(numbers))


def require_at_least(config: object, minimum: int, *names: str) -> None:
    """Each named field of `config` must be >= minimum; the message names its option (--batch-size)."""
    for name in names:
        value = getattr(config, name)
        if value < minimum:
            raise UsageError(f"--{name.replace('_', '-')} must be >= {minimum}, not {value}")


# Seeds per model and hidden layers per net: beyond these a value is a typo (1e20 seeds would fill memory with
# their list before anything trained); a sweep's --seeds has its own bound.
MAX_SEEDS = 1000
MAX_DEPTH = 1000
MAX_THREADS = 1024  # torch takes a C int; more threads than this is a typo on any machine today


_DEVICE_PATTERN = re.compile(r"^(auto|cpu|cuda(:\d+)?)$")


def require_device_name(name: str) -> None:
    """--device's spelling (auto, cpu, cuda, cuda:N), checked without torch: whether CUDA is there is the
    runner's question, asked only when a run starts."""
    if not _DEVICE_PATTERN.match(name):
        raise UsageError(f"--device must be auto, cpu, cuda or cuda:N, not {name!r}")


def require_at_most(config: object, maximum: int, *names: str) -> None:
    """Each named field of `config` must be <= maximum; the message names its option (--seeds)."""
    for name in names:
        value = getattr(config, name)
        if value > maximum:
            raise UsageError(f"--{name.replace('_', '-')} must be at most {maximum:,}, not {value:,}")


def require_positive(config: object, *names: str) -> None:
    """Each named field of `config` must be a finite number > 0 (a learning rate, a tolerance)."""
    for name in names:
        value = getattr(config, name)
        if not (value > 0 and math.isfinite(value)):
            raise UsageError(f"--{name.replace('_', '-')} must be > 0, not {value}")


# Inputs beyond this size saturate every activation and overflow float32 products within a few layers: the
# run would only "diverge". A usage error says so before anything trains.
X_LIMIT = 1e6


def require_x_range(config: object) -> None:
    """--x-min < --x-max, both within ±X_LIMIT, and distinct in float32 (the grid's precision)."""
    x_min, x_max = getattr(config, "x_min"), getattr(config, "x_max")  # noqa: B009 - every sinc config has them
    for name, value in (("--x-min", x_min), ("--x-max", x_max)):
        if not abs(value) <= X_LIMIT:
            raise UsageError(f"{name} must be within ±{X_LIMIT:g}, not {value:g}")
    if not _float32(x_min) < _float32(x_max):
        raise UsageError(f"--x-min ({x_min}) must be below --x-max ({x_max})")


def memory_bytes() -> int:
    """This machine's physical memory: what a size is checked against before it is allocated."""
    try:
        return os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    except (ValueError, OSError, AttributeError):  # not POSIX: assume a generous 1 TiB rather than refuse
        return 2**40


def require_memory(option: str, value: int | float, needed: int | float) -> None:
    """Refuse a size whose allocation alone would not fit in memory, naming the option and the numbers."""
    available = memory_bytes()
    if needed > available:
        raise UsageError(f"{option} {value:,} would need {human_bytes(needed)} of memory; this machine has "
                         f"{human_bytes(available)}")


def require_count(option: str, count: int | float, limit: int, what: str) -> None:
    if count > limit:
        raise UsageError(f"{option} gives {count:,.0f} {what}, more than the {limit:,} this command allows")


def human_bytes(n: int | float) -> str:
    for unit in ("B", "KB", "MB", "GB", "TB", "PB"):
        if n < 1024 or unit == "PB":
            return f"{n:.3g} {unit}" if unit != "B" else f"{int(n)} B"
        n /= 1024
    return f"{n:.3g} PB"  # pragma: no cover - the loop returns


# float32 weights, their gradient and Adam's two moments: what one parameter costs while training.
BYTES_PER_TRAINED_PARAM = 16


def _float32(value: float) -> float:
    return struct.unpack("f", struct.pack("f", value))[0]


def mlp_params(inputs: int, hidden: Sequence[int], outputs: int) -> int:
    """Weights and biases of an MLP inputs -> hidden... -> outputs (counted without building it)."""
    sizes = [inputs, *hidden, outputs]
    return sum((a + 1) * b for a, b in itertools.pairwise(sizes))


def require_trainable(option: str, value: int, params: int, copies: int = 1) -> None:
    """`copies` models of `params` parameters trained at once must fit in memory (weights, grads, Adam)."""
    require_memory(option, value, params * copies * BYTES_PER_TRAINED_PARAM)


def require_points(points: int, activations_per_point: int, copies: int = 1) -> None:
    """Full-batch training over --points keeps every layer's activations (and their gradients) in memory."""
    require_memory("--points", points, points * (activations_per_point + 2) * copies * 4 * 3)


def require_grid(option: str, low: float, high: float, step: float, limit: int) -> None:
    """A grid from low to high in steps of `step`, counted before it is built (1e-300 would be 3e300 points)."""
    count = (high - low) / step + 1
    if not count <= limit:
        raise UsageError(f"{option} {step:g} gives a grid of {count:,.3g} points, more than {limit:,}; use a larger step")
