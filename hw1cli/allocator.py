"""glibc's malloc set for training: the memory one step frees is kept for the next step.

Every training step allocates and frees the same large tensors (activations, gradients, evaluation batches).
With glibc's defaults, blocks above the mmap threshold (128 KiB, raised on the fly only after such a block is
freed) go back to the OS when freed, and the heap's top is trimmed once more than twice that lies free there,
so the next step faults every page in again, zero-filled by the kernel. Measured on this project's 2-core AMD
EPYC VM (2026-12-03, `hw1 mnist --epochs 2`, one thread): 1.87 M page faults and 4.1 s in the kernel out of
23.5 s with the defaults; 0.15 M faults and 0.6 s out of 17.0 s with the settings below. The arithmetic is
the same bit for bit: an allocator chooses addresses, not operations, and torch aligns every tensor to 64
bytes either way (tests/test_allocator.py compares whole runs).

Torch-free and a no-op outside glibc (macOS, Windows, musl). HW1_MALLOC=system leaves glibc's own settings:
a baseline for timing (benchmarks/bench_suite.py --malloc both) and a way out for anyone who needs it.
"""

from __future__ import annotations

import contextlib
import os
import sys
from collections.abc import Iterator
from typing import Any

ENV = "HW1_MALLOC"  # "system": glibc's defaults; anything else (or unset): the settings below
M_TRIM_THRESHOLD, M_TOP_PAD, M_MMAP_THRESHOLD = -1, -2, -3  # mallopt's parameter numbers (malloc.h)
MIB = 1024 * 1024
TUNED = {
    M_MMAP_THRESHOLD: 32 * MIB,  # glibc's largest allowed value: blocks up to 32 MiB come from the heap
    M_TRIM_THRESHOLD: 1024 * MIB,  # free memory at the heap's top is kept (returned by malloc_trim after the run)
    M_TOP_PAD: 64 * MIB,  # the heap grows 64 MiB at a time, not one page run per request
}
# What a default glibc process has once it has freed a large (32 MiB) block: the dynamic thresholds at their
# highest and the default top pad. Put back after a run, so that a notebook calling hw1.api goes on as usual.
AFTER_RUN = {M_MMAP_THRESHOLD: 32 * MIB, M_TRIM_THRESHOLD: 64 * MIB, M_TOP_PAD: 128 * 1024}


def wanted() -> bool:
    """Whether this process should tune malloc: not when HW1_MALLOC=system."""
    return os.environ.get(ENV, "").strip().lower() != "system"


def glibc() -> Any | None:
    """The C library as a ctypes handle when it is glibc (the one whose mallopt parameters these are), else None."""
    if not sys.platform.startswith("linux"):
        return None
    try:
        version = os.confstr("CS_GNU_LIBC_VERSION") or ""
    except (AttributeError, ValueError, OSError):
        return None
    if not version.startswith("glibc"):
        return None
    import ctypes  # only here: a command that trains nothing does not pay for it

    try:
        return ctypes.CDLL("libc.so.6")
    except OSError:
        return None


@contextlib.contextmanager
def freed_memory_kept(libc: Any | None = None) -> Iterator[bool]:
    """Inside, freed memory stays in the process for reuse; after, the free part goes back to the OS.

    Yields whether the settings were applied (False outside glibc or with HW1_MALLOC=system)."""
    libc = libc if libc is not None else (glibc() if wanted() else None)
    if libc is None:
        yield False
        return
    for parameter, value in TUNED.items():
        libc.mallopt(parameter, value)
    try:
        yield True
    finally:
        for parameter, value in AFTER_RUN.items():
            libc.mallopt(parameter, value)
        libc.malloc_trim(0)
