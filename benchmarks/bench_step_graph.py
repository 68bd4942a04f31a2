"""Per-step overhead: the same small-MLP training through eager steps and through a replayed CUDA graph.

    python benchmarks/bench_step_graph.py --device cuda            # eager vs CUDA graph (the fast path)
    python benchmarks/bench_step_graph.py --device cpu             # eager vs the graph's code path, no graph

The model is sensitivity's MLP (784-256-256-10, Adam 1e-3) on random MNIST-shaped data; each batch size
trains the same initial weights on the same data order both ways, after a warm-up fit, and prints the
epoch time, the ratio and the largest parameter difference (0 or round-off: the numbers must agree).
For the whole suite, compare `HW1_CUDA_GRAPHS=0 python benchmarks/bench_suite.py ...` with the default.
"""

from __future__ import annotations

import argparse
import time

import torch

from hw1cli.models import mlp
from hw1cli.runtime import resolve_device, synchronize
from hw1cli.training import OptimizerSpec, fit


def timed_fit(mode: str, x: torch.Tensor, y: torch.Tensor, batch: int, epochs: int, device: torch.device) -> tuple[float, torch.nn.Module]:
    model = mlp([784, 256, 256, 10], seed=0, flatten=True).to(device)
    synchronize(device)
    started = time.perf_counter()
    fit(model, x, y, optimizer=OptimizerSpec("adam", 1e-3), epochs=epochs, batch_size=batch, seed=1, step_mode=mode)
    synchronize(device)
    return time.perf_counter() - started, model


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--device", default="auto", help="auto, cpu, cuda or cuda:N")
    parser.add_argument("--examples", type=int, default=8000)
    parser.add_argument("--epochs", type=int, default=2)
    parser.add_argument("--batch", type=int, action="append", help="batch sizes (default 16, 64, 256)")
    args = parser.parse_args()
    device = resolve_device(args.device)
    fast = "graph" if device.type == "cuda" else "static"
    g = torch.Generator().manual_seed(0)
    x = torch.randn(args.examples, 1, 28, 28, generator=g).to(device)
    y = torch.randint(0, 10, (args.examples,), generator=g).to(device)
    timed_fit("eager", x[:1024], y[:1024], 64, 1, device)  # warm-up: allocator, cuBLAS, kernels
    timed_fit(fast, x[:1024], y[:1024], 64, 1, device)
    print(f"MLP 784-256-256-10, {args.examples} examples, {args.epochs} epochs, device {device}")
    print(f"{'batch':>6} {'eager s':>9} {fast + ' s':>9} {'speed-up':>9} {'max |dp|':>10}")
    for batch in args.batch or [16, 64, 256]:
        eager_s, eager_model = timed_fit("eager", x, y, batch, args.epochs, device)
        fast_s, fast_model = timed_fit(fast, x, y, batch, args.epochs, device)
        diff = max((p - q).abs().max().item() for p, q in zip(eager_model.parameters(), fast_model.parameters()))
        print(f"{batch:>6} {eager_s:>9.3f} {fast_s:>9.3f} {eager_s / fast_s:>8.2f}x {diff:>10.2e}")


if __name__ == "__main__":
    main()
