"""Datasets as normalised tensors on the device, loaded once through torchvision (or scikit-learn's digits).

Every experiment gets (x_train, y_train, x_test, y_test) already on the device: images as float32
(N, C, H, W), labels as int64. Nothing per-sample happens after this module.
"""

from __future__ import annotations

import socket
import struct
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F
from torch import Tensor

from hw1cli.configs.data import DataConfig
from hw1cli.errors import DataError, UsageError
from hw1cli.provenance import note_read

_IDX_FILES = ("train-images-idx3-ubyte", "train-labels-idx1-ubyte", "t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte")
_FOLDERS = {"mnist": "MNIST", "fashion-mnist": "FashionMNIST"}
DOWNLOAD_TIMEOUT_SECONDS = 30
MNIST_CLASSES = 10  # MNIST and Fashion-MNIST: ten classes, labels 0-9


@dataclass
class Dataset:
    name: str
    x_train: Tensor
    y_train: Tensor
    x_test: Tensor
    y_test: Tensor
    num_classes: int

    @property
    def input_shape(self) -> tuple[int, ...]:
        return tuple(self.x_train.shape[1:])

    @property
    def input_size(self) -> int:
        return int(np.prod(self.input_shape))


def load(cfg: DataConfig, device: torch.device, seed: int = 0) -> Dataset:
    """Load `cfg.dataset` onto `device`, normalised with the training set's per-channel mean and std."""
    cfg.check_data()
    if cfg.dataset == "digits":
        x_train, y_train, x_test, y_test = _digits(seed)
    else:
        x_train, y_train, x_test, y_test = _torchvision(cfg.dataset, Path(cfg.data_dir), cfg.download)
    train_size, test_size = cfg.subset, cfg.test_subset
    if cfg.subset_is_limit and train_size:
        train_size = min(train_size, len(y_train))
    if cfg.test_subset_is_limit and test_size:
        test_size = min(test_size, len(y_test))
    x_train, y_train = _subset(x_train, y_train, train_size, seed, "--subset")
    x_test, y_test = _subset(x_test, y_test, test_size, seed + 1, "--test-subset")
    if cfg.tile is not None and cfg.tile < len(y_train):
        raise UsageError(f"--tile {cfg.tile} is smaller than the training set ({len(y_train)} images); it repeats a set up to a larger size")
    if cfg.tile is not None and cfg.tile > len(y_train):
        # Whole copies plus a head: the same images again, so only the timing is full-size, not the data.
        index = torch.arange(cfg.tile) % len(y_train)
        x_train, y_train = x_train[index], y_train[index]
    # uint8 -> float on the device; normalise in place so no second full copy exists.
    x_train = x_train.to(device).float().div_(255)
    x_test = x_test.to(device).float().div_(255)
    mean = x_train.mean(dim=(0, 2, 3), keepdim=True)
    std = x_train.std(dim=(0, 2, 3), keepdim=True).clamp_min(1e-6)
    for x in (x_train, x_test):
        x.sub_(mean).div_(std)
    num_classes = int(max(y_train.max(), y_test.max())) + 1
    return Dataset(cfg.dataset, x_train, y_train.to(device), x_test, y_test.to(device), num_classes)


def _subset(x: Tensor, y: Tensor, size: int | None, seed: int, flag: str) -> tuple[Tensor, Tensor]:
    """A seeded subset with (as nearly as possible) the same number of examples per class."""
    if size is None or size == len(y):
        return x, y
    if size > len(y):
        raise UsageError(f"{flag} {size} is larger than the set it is drawn from ({len(y)} examples)")
    gen = torch.Generator().manual_seed(seed)
    classes = torch.unique(y)
    per_class = [torch.nonzero(y == c).squeeze(1) for c in classes]
    per_class = [idx[torch.randperm(len(idx), generator=gen)] for idx in per_class]
    chosen: list[Tensor] = []
    remaining = size
    # Fill the smallest classes first so a class with few examples never starves the quota of others.
    order = sorted(range(len(classes)), key=lambda i: len(per_class[i]))
    for rank, i in enumerate(order):
        take = min(len(per_class[i]), remaining // (len(classes) - rank))
        chosen.append(per_class[i][:take])
        remaining -= take
    index = torch.cat(chosen)
    index = index[torch.randperm(len(index), generator=gen)]
    return x[index], y[index]


def _digits(seed: int) -> tuple[Tensor, Tensor, Tensor, Tensor]:
    """scikit-learn's bundled 8x8 digits (values 0..16), upsampled to 28x28, seeded stratified 80/20 split."""
    from hw1cli import digits

    path = digits.csv_path()
    pixels, targets = digits.load_digits(path)
    note_read([path])  # the copy scikit-learn ships
    images = torch.tensor(pixels, dtype=torch.float32).unsqueeze(1) / 16.0
    images = F.interpolate(images, size=(28, 28), mode="bilinear", align_corners=False)
    images = (images.clamp(0, 1) * 255).round().to(torch.uint8)
    labels = torch.tensor(targets, dtype=torch.long)
    train_idx, test_idx = digits.stratified_split(targets, seed % 2**32)
    train_idx, test_idx = torch.as_tensor(train_idx), torch.as_tensor(test_idx)
    return images[train_idx], labels[train_idx], images[test_idx], labels[test_idx]


def _torchvision(name: str, root: Path, download: bool) -> tuple[Tensor, Tensor, Tensor, Tensor]:
    from torchvision import datasets

    if name in _FOLDERS:
        raw = root / _FOLDERS[name] / "raw"
        if all((raw / f).exists() for f in _IDX_FILES):
            for f in _IDX_FILES:
                check_idx_file(raw / f, ndim=3 if "images" in f else 1)
        cls = datasets.MNIST if name == "mnist" else datasets.FashionMNIST
        expected = f"{', '.join(_IDX_FILES)} in {raw}"
    else:
        cls = datasets.CIFAR10
        expected = f"cifar-10-batches-py/ in {root}"
    train = _open(cls, root, True, download, name, expected)
    test = _open(cls, root, False, download, name, expected)
    # run.json records a checksum of each file read (taken once, when the run is recorded)
    note_read([raw / f for f in _IDX_FILES] if name in _FOLDERS else sorted((root / "cifar-10-batches-py").glob("*_batch*")))
    if name == "cifar10":
        # (N, 32, 32, 3) uint8 numpy -> (N, 3, 32, 32) tensor
        to_images = lambda d: torch.from_numpy(np.ascontiguousarray(d.data)).permute(0, 3, 1, 2).contiguous()  # noqa: E731
        return to_images(train), torch.tensor(train.targets), to_images(test), torch.tensor(test.targets)
    for split, prefix in ((train, "train"), (test, "t10k")):
        # Headers can each be valid and still disagree; training would then fail on an index, far from the cause.
        if len(split.data) != len(split.targets):
            raise DataError(
                f"{raw / f'{prefix}-images-idx3-ubyte'} holds {len(split.data)} images but "
                f"{raw / f'{prefix}-labels-idx1-ubyte'} holds {len(split.targets)} labels; re-download them"
            )
    check_labels_and_shapes(raw, train.data, train.targets, test.data, test.targets)
    return train.data.unsqueeze(1), train.targets.long(), test.data.unsqueeze(1), test.targets.long()


def check_labels_and_shapes(raw: Path, x_train: Tensor, y_train: Tensor, x_test: Tensor, y_test: Tensor) -> None:
    """MNIST-format files can be valid one by one and still not a dataset: a label of 200 would silently build
    a 201-class model, and 20x20 training images beside 28x28 test images would train and then evaluate
    nonsense. Both are data errors that name the file."""
    for prefix, labels in (("train", y_train), ("t10k", y_test)):
        if len(labels) and not 0 <= int(labels.min()) <= int(labels.max()) < MNIST_CLASSES:
            bad = int(labels.max()) if int(labels.max()) >= MNIST_CLASSES else int(labels.min())
            raise DataError(f"{raw / f'{prefix}-labels-idx1-ubyte'} holds label {bad}; this format's labels are "
                            f"0-{MNIST_CLASSES - 1}: re-download it")
    if tuple(x_train.shape[1:]) != tuple(x_test.shape[1:]):
        size = lambda x: "x".join(map(str, x.shape[1:]))  # noqa: E731
        raise DataError(f"{raw / 'train-images-idx3-ubyte'} holds {size(x_train)} images but "
                        f"{raw / 't10k-images-idx3-ubyte'} holds {size(x_test)} images; re-download them")


def _open(cls: type, root: Path, train: bool, download: bool, name: str, expected: str) -> object:
    previous = socket.getdefaulttimeout()
    socket.setdefaulttimeout(DOWNLOAD_TIMEOUT_SECONDS)  # no network must fail fast, not hang
    try:
        return cls(root=str(root), train=train, download=download)
    except Exception as error:  # torchvision raises RuntimeError, URLError, OSError...
        how = ("downloading is off (--no-download; hw1 rerun, --resume and --config run.json download only if "
               "you type --download)") if not download else f"the download failed ({_short(error)})"
        raise DataError(
            f"{name} files not found ({expected}) and {how}; point --data-dir at a folder that holds them, "
            "or use --dataset digits (works offline)"
        ) from None
    finally:
        socket.setdefaulttimeout(previous)


def _short(error: BaseException) -> str:
    text = " ".join(str(error).split()) or type(error).__name__
    return text if len(text) <= 160 else text[:160].rsplit(" ", 1)[0] + " …"  # cut between words


def check_idx_file(path: Path, ndim: int | None = None) -> None:
    """Validate an IDX file's header against its size, so a truncated or corrupt file is named, not a traceback.

    With `ndim`, the header must also declare that many dimensions (3 for images, 1 for labels).
    """
    data_size = path.stat().st_size
    with open(path, "rb") as handle:
        header = handle.read(4)
        if len(header) < 4 or header[0] != 0 or header[1] != 0 or header[2] != 0x08 or not 1 <= header[3] <= 3:
            raise DataError(f"{path} is not an IDX file of unsigned bytes (bad magic number); re-download it")
        dims_bytes = handle.read(4 * header[3])
    if len(dims_bytes) < 4 * header[3]:  # cut off inside the header: struct would fail with no file name
        raise DataError(f"{path} is truncated or corrupt: it ends inside its header ({data_size} bytes)")
    dims = struct.unpack(f">{header[3]}I", dims_bytes)
    if dims[0] == 0:  # valid, but nothing to train or test on: not "missing"
        raise DataError(f"{path} is empty (its header says 0 items); re-download it")
    if ndim is not None and len(dims) != ndim:
        raise DataError(f"{path} is corrupt: it holds {len(dims)}-D data where {ndim}-D was expected; re-download it")
    expected = 4 + 4 * len(dims) + int(np.prod(dims))
    if data_size != expected:
        raise DataError(f"{path} is truncated or corrupt: header says {expected} bytes, file has {data_size}")
