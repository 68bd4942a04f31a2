"""One LeNet epoch two ways, same images, same seed: the classic per-sample DataLoader loop vs hw1's trainer.

Classic: torchvision's MNIST Dataset with ToTensor + Normalize transforms (PIL image -> tensor per sample),
a shuffling DataLoader of batch 64, SGD. hw1: `data.load` (normalised tensors on the device, once) and
`training.fit` for one epoch (minibatches are index slices of an on-device permutation).

    python benchmarks/bench_trainer.py --data-dir ../shared/data
    python benchmarks/bench_trainer.py --data-dir ../shared/data --device cuda --tile 60000

Only the epoch is timed on both sides (after a short warm-up); loading is reported separately.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import torch
import torch.nn.functional as F
from torch.utils.data import DataLoader, Subset
from torchvision import datasets, transforms

from hw1cli.configs.data import DataConfig
from hw1cli.data import load
from hw1cli.models import cnn_model
from hw1cli.runtime import resolve_device, synchronize
from hw1cli.training import OptimizerSpec, fit

BATCH, LR, MOMENTUM, WARMUP_BATCHES = 64, 0.01, 0.5, 10


def classic_epoch(root: Path, n: int, device: torch.device, seed: int) -> tuple[float, float]:
    """(seconds for one epoch, final running loss) the way the notebooks and pytorch/examples do it."""
    transform = transforms.Compose([transforms.ToTensor(), transforms.Normalize((0.1307,), (0.3081,))])
    dataset = datasets.MNIST(str(root), train=True, download=False, transform=transform)
    if n != len(dataset):  # --tile: repeat the images to n (same files, more samples per epoch)
        dataset = Subset(dataset, [i % len(dataset) for i in range(n)])
    loader = DataLoader(dataset, batch_size=BATCH, shuffle=True, generator=torch.Generator().manual_seed(seed))
    model = cnn_model("lenet", (1, 28, 28), 10, seed=seed).to(device)
    opt = torch.optim.SGD(model.parameters(), lr=LR, momentum=MOMENTUM)

    def step(x: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
        x, y = x.to(device), y.to(device)
        opt.zero_grad()
        loss = F.cross_entropy(model(x), y)
        loss.backward()
        opt.step()
        return loss

    for i, (x, y) in enumerate(loader):  # warm-up: allocator, kernels, cuDNN autotuning
        step(x, y)
        if i + 1 == WARMUP_BATCHES:
            break
    synchronize(device)
    started = time.perf_counter()
    total = torch.zeros((), device=device)
    for x, y in loader:
        total += step(x, y).detach() * len(y)
    synchronize(device)
    return time.perf_counter() - started, float(total) / n


def hw1_epoch(root: Path, n: int, device: torch.device, seed: int) -> tuple[float, float, float]:
    """(seconds for one epoch, final running loss, seconds to load the data) through hw1's trainer."""
    started = time.perf_counter()
    data = load(DataConfig(dataset="mnist", data_dir=root, download=False), device, seed)
    synchronize(device)
    load_seconds = time.perf_counter() - started
    x, y = data.x_train, data.y_train
    if n != len(x):
        index = torch.arange(n, device=device) % len(x)
        x, y = x[index], y[index]
    spec = OptimizerSpec("sgd", LR, momentum=MOMENTUM)
    warm = cnn_model("lenet", data.input_shape, 10, seed=seed).to(device)
    fit(warm, x[: WARMUP_BATCHES * BATCH], y[: WARMUP_BATCHES * BATCH], optimizer=spec, epochs=1, batch_size=BATCH)
    model = cnn_model("lenet", data.input_shape, 10, seed=seed).to(device)
    result = fit(model, x, y, optimizer=spec, epochs=1, batch_size=BATCH, seed=seed)
    return result.history[0].epoch_seconds, result.history[0].running_loss, load_seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-dir", type=Path, default=Path("data"), help="torchvision root holding MNIST/raw")
    parser.add_argument("--device", default="auto", help="auto, cpu, cuda or cuda:N")
    parser.add_argument("--tile", type=int, default=None, help="repeat the training images to this many")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--threads", type=int, default=None, help="CPU threads for both ways (default: torch's)")
    args = parser.parse_args()
    if args.threads:
        # hw1's trainer drops to one thread for steps this small (see runtime.cpu_threads_for); --threads 1
        # gives the classic loop the same, so the ratio measures the data path alone.
        torch.set_num_threads(args.threads)
    device = resolve_device(args.device)
    size = len(datasets.MNIST(str(args.data_dir), train=True, download=False))
    n = args.tile or size
    if n < WARMUP_BATCHES * BATCH:
        parser.error(f"--tile must be at least {WARMUP_BATCHES * BATCH}")
    print(f"LeNet, one epoch of {n} images ({size} distinct), batch {BATCH}, SGD, device {device}, "
          f"{torch.get_num_threads()} CPU threads")
    classic_seconds, classic_loss = classic_epoch(args.data_dir, n, device, args.seed)
    print(f"classic (Dataset + transforms + DataLoader): {classic_seconds:8.3f} s   loss {classic_loss:.4f}")
    hw1_seconds, hw1_loss, load_seconds = hw1_epoch(args.data_dir, n, device, args.seed)
    print(f"hw1 (tensors on the device + training.fit):  {hw1_seconds:8.3f} s   loss {hw1_loss:.4f}"
          f"   (+ {load_seconds:.3f} s to load once)")
    print(f"speed-up: {classic_seconds / hw1_seconds:.2f}x")


if __name__ == "__main__":
    main()
