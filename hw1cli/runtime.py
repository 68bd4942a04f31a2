"""Device choice, CPU threads and seeding: the runtime facts every experiment shares."""

from __future__ import annotations

import contextlib
import random
from collections.abc import Iterator

import numpy as np
import torch
from torch import Tensor, nn

from hw1cli.cores import free_cores
from hw1cli.errors import UsageError
from hw1cli.validate import require_device_name

# multiply-adds per step below which one CPU thread beats several (see cpu_threads_for)
SINGLE_THREAD_WORK = 5_000_000


def resolve_device(name: str) -> torch.device:
    """Turn `auto|cpu|cuda|cuda:N` into a usable torch.device, or raise UsageError saying why not."""
    require_device_name(name)
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


@contextlib.contextmanager
def cpu_threads_for(model: nn.Module, x: Tensor, batch_size: int | None) -> Iterator[None]:
    """One CPU thread for tiny steps, torch's threads for the rest. Measured on this 2-core machine: a
    571-param full-batch MLP step took 311 us on one thread and 9,700 us on two when the other core was
    busy, while a LeNet epoch (27M multiply-adds a step) took 0.26 s on two threads and 0.43 s on one."""
    rows = len(x) if batch_size is None else min(batch_size, len(x))
    with single_thread(x.device.type == "cpu" and multiply_adds(model, x[:1]) * rows < SINGLE_THREAD_WORK):
        yield


@contextlib.contextmanager
def single_thread(when: bool) -> Iterator[None]:
    """One intra-op CPU thread inside the block when `when`; the caller's setting is restored after."""
    previous = torch.get_num_threads()
    if when:
        torch.set_num_threads(1)
    try:
        yield
    finally:
        torch.set_num_threads(previous)


def multiply_adds(model: nn.Module, sample: Tensor) -> int:
    """Multiply-adds of the linear and convolution layers for one example (one eval-mode forward pass,
    which draws no random numbers and changes no state)."""
    total = 0

    def count(layer: nn.Module, inputs: tuple[Tensor, ...], output: Tensor) -> None:
        nonlocal total
        if isinstance(layer, nn.Linear):
            total += layer.in_features * layer.out_features
        elif isinstance(layer, nn.modules.conv._ConvNd):
            per_output = layer.weight[0].numel()  # in_channels / groups * kernel size
            total += per_output * output[0].numel()

    hooks = [m.register_forward_hook(count) for m in model.modules() if isinstance(m, (nn.Linear, nn.modules.conv._ConvNd))]
    was_training = model.training
    try:
        model.eval()
        with torch.no_grad():
            model(sample)
    finally:
        model.train(was_training)
        for hook in hooks:
            hook.remove()
    return total


@contextlib.contextmanager
def run_threads(wanted: int | None) -> Iterator[int]:
    """The torch CPU threads of one run: `wanted` (--threads / HW1_THREADS) exactly, else `default_threads()`,
    and denormals flushed to zero. Yields the count applied; the caller's count is restored after (`hw1 all`
    runs more experiments here)."""
    previous = torch.get_num_threads()
    threads = wanted if wanted is not None else default_threads()
    torch.set_num_threads(threads)
    if wanted is not None:  # a load-based choice is for this run only; the inter-op pool lives as long as the process
        _set_interop_threads(threads)
    # Denormal floats (below 1.2e-38) as zero: a net that collapsed decays its weights into them, and this CPU
    # then ran its steps 2-3x slower (simulate's depth-7 sign net: 1.6 s per 1,000 epochs, then 4 s; a stack
    # holding it, 6-7 s). Only values that small change. torch has no getter: the default (off) is put back.
    torch.set_flush_denormal(True)
    try:
        yield threads
    finally:
        torch.set_num_threads(previous)
        torch.set_flush_denormal(False)


def default_threads() -> int:
    """The free cores, never more than the process already had (OMP_NUM_THREADS, a sweep worker's share).

    Why not torch's default (every core): measured on this 2-core machine beside one CPU-bound process, a
    LeNet epoch took 1.3-1.6 s on 2 threads and 1.06 s on 1 (OpenMP threads wait for each other when one
    of them is descheduled), while on the quiet machine 2 threads took 0.44-0.50 s and 1 took 0.66 s.
    So: as many threads as cores that nothing else is running on, at least one."""
    return min(torch.get_num_threads(), free_cores())


_interop_set = False


def _set_interop_threads(threads: int) -> None:
    """Inter-op threads can be set once per process, before any inter-op work: try once, keep what stuck."""
    global _interop_set
    if not _interop_set:
        _interop_set = True
        with contextlib.suppress(RuntimeError):
            torch.set_num_interop_threads(threads)
