"""Does training seeds together as one ensemble speed up `hw1 simulate --seeds 3` (#23.3)? Its models at each
depth (1, 4, 7; ~571 parameters, 300 points, full-batch Adam), 3 seeds: three separate `fit`s vs one
`fit_ensemble` (the CPU loop over models, vmap, and the stack of ensemble_stack.py, which simulate uses), on one
thread. Also the largest parameter difference between a seed's ensemble and separate run (float32, same epochs):
float rounding that grows over the epochs of chaotic training.

    python benchmarks/bench_seed_ensemble.py [--epochs 1500] [--repeats 2] [--device cpu]
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable

import torch
from torch.func import vmap

import hw1cli.training.ensemble as ensemble_module
from hw1cli.experiments.simulate.config import hidden_widths
from hw1cli.functions import grid, target
from hw1cli.models import mlp
from hw1cli.runtime import device_description, resolve_device, synchronize
from hw1cli.training import OptimizerSpec, fit, fit_ensemble

SEEDS = (0, 1, 2)
SPEC = OptimizerSpec("adam", 1e-3, 1e-4)


def best_of(repeats: int, work: Callable[[], object], device: torch.device) -> float:
    times = []
    for _ in range(repeats):
        synchronize(device)
        started = time.perf_counter()
        work()
        synchronize(device)
        times.append(time.perf_counter() - started)
    return min(times)


def flat(tensors: object) -> torch.Tensor:
    return torch.cat([t.detach().reshape(-1) for t in tensors])  # type: ignore[attr-defined]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=1500)
    parser.add_argument("--repeats", type=int, default=2)
    parser.add_argument("--device", default="cpu")
    args = parser.parse_args()
    device = resolve_device(args.device)
    torch.set_num_threads(1)
    x = grid(300, -1.5, 1.5, device)
    y = target("sinc", x)
    print(f"device: {device_description(device)}, 1 torch thread, {args.epochs} epochs, seeds {SEEDS}; "
          f"ms per model-epoch (best of {args.repeats}), speed-up over separate fits")
    for depth in (1, 4, 7):
        measure_depth(depth, args, x, y, device)


def measure_depth(depth: int, args: argparse.Namespace, x: torch.Tensor, y: torch.Tensor, device: torch.device) -> None:
    """One line: the three ways of training this depth's three seeds, timed, and how far apart they end."""
    sizes = [1, *hidden_widths(depth, 571, "equal"), 1]
    made: dict[str, object] = {}

    def separate() -> None:
        models = [mlp(sizes, activation="leaky_relu", seed=s).to(device) for s in SEEDS]
        for seed, model in zip(SEEDS, models):
            fit(model, x, y, optimizer=SPEC, epochs=args.epochs, seed=seed)
        made["separate"] = models

    def together(mode: str) -> Callable[[], None]:
        def work() -> None:
            original = ensemble_module.map_models
            if mode == "vmap":  # vmap on the CPU too (map_models loops over models there)
                ensemble_module.map_models = lambda fn, dims, _device: vmap(fn, in_dims=dims)
            try:
                models = [mlp(sizes, activation="leaky_relu", seed=s).to(device) for s in SEEDS]
                made[mode] = fit_ensemble(models, x, y, optimizer=SPEC, epochs=args.epochs, seeds=list(SEEDS),
                                          stacked=mode == "stacked")
            finally:
                ensemble_module.map_models = original
        return work

    modes = ("loop", "vmap", "stacked")
    seconds = {"separate": best_of(args.repeats, separate, device)}
    seconds.update({mode: best_of(args.repeats, together(mode), device) for mode in modes})
    per = {name: s / args.epochs / len(SEEDS) * 1000 for name, s in seconds.items()}
    separate_models = made["separate"]
    parts = [f"depth {depth}: separate {per['separate']:.3f}"]
    for mode in modes:
        ens = made[mode].ensemble  # type: ignore[attr-defined]
        diff = max((flat(separate_models[k].parameters()) - flat(p[k] for p in ens.params.values())).abs().max().item()
                   for k in range(len(SEEDS)))
        parts.append(f"{mode} {per[mode]:.3f} ({seconds['separate'] / seconds[mode]:.2f}x, max |Δθ| {diff:.1e})")
    print("; ".join(parts))


if __name__ == "__main__":
    main()
