"""Time `hw1 pca`'s training: 8 runs as one torch.func ensemble vs one after another with training.fit.

Same seeds, data, optimizer and epochs on both sides; prints seconds per epoch (all runs) and the ratio.

    python benchmarks/bench_ensemble.py --data-dir ../shared/data            # CPU (or CUDA with --device auto)
    python benchmarks/bench_ensemble.py --device cuda --epochs 5
    python benchmarks/bench_ensemble.py --dataset digits                     # offline, no MNIST needed
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable
from pathlib import Path

import torch

from hw1cli.configs.data import DataConfig
from hw1cli.data import load
from hw1cli.models import mlp
from hw1cli.runtime import device_description, resolve_device, synchronize
from hw1cli.training import OptimizerSpec, fit, fit_ensemble


def timed(work: Callable[[], object], device: torch.device) -> float:
    synchronize(device)
    started = time.perf_counter()
    work()
    synchronize(device)
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--device", default="cpu", help="cpu, cuda, cuda:N or auto")
    parser.add_argument("--dataset", default="mnist")
    parser.add_argument("--data-dir", type=Path, default=Path("../shared/data"))
    parser.add_argument("--runs", type=int, default=8)
    parser.add_argument("--epochs", type=int, default=3, help="timed epochs (one more is run first as warm-up)")
    parser.add_argument("--batch-size", type=int, default=1000)
    args = parser.parse_args()

    device = resolve_device(args.device)
    data = load(DataConfig(dataset=args.dataset, data_dir=args.data_dir, download=False), device)
    sizes = [data.input_size, 10, 20, data.num_classes]
    spec = OptimizerSpec("adam", 4e-4, 1e-4)
    seeds = list(range(args.runs))
    x, y = data.x_train, data.y_train

    def ensemble(epochs: int) -> object:
        models = [mlp(sizes, seed=s, flatten=True).to(device) for s in seeds]
        return fit_ensemble(models, x, y, optimizer=spec, epochs=epochs, batch_size=args.batch_size, seeds=seeds)

    def sequential(epochs: int) -> object:
        for s in seeds:
            model = mlp(sizes, seed=s, flatten=True).to(device)
            fit(model, x, y, optimizer=spec, epochs=epochs, batch_size=args.batch_size, seed=s)
        return None

    ensemble(1), sequential(1)  # warm-up: allocator, kernels, lazy imports
    # Time each side twice, alternately, and keep the faster: the machine may be shared.
    ens_seconds = min(timed(lambda: ensemble(args.epochs), device) for _ in range(2))
    seq_seconds = min(timed(lambda: sequential(args.epochs), device) for _ in range(2))
    print(f"device: {device_description(device)}, torch threads: {torch.get_num_threads()}")
    print(f"{args.runs} runs of {'->'.join(map(str, sizes))} on {len(x)} {args.dataset} images, batch {args.batch_size}")
    print(f"ensemble:   {ens_seconds / args.epochs:.3f} s per epoch (all runs)")
    print(f"sequential: {seq_seconds / args.epochs:.3f} s per epoch (all runs)")
    print(f"speed-up:   {seq_seconds / ens_seconds:.2f}x")


if __name__ == "__main__":
    main()
