"""Model builders and parameter counting. Every builder takes a seed so that initialisation is reproducible."""

from __future__ import annotations

import itertools
import math
from collections.abc import Sequence

import torch
from torch import nn

from hw1cli.configs.choices import CNN_MODELS
from hw1cli.errors import UsageError
from hw1cli.runtime import seeded

ACTIVATIONS = {"leaky_relu": nn.LeakyReLU, "relu": nn.ReLU, "tanh": nn.Tanh}


def count_params(model: nn.Module) -> int:
    return sum(p.numel() for p in model.parameters())


def mlp(sizes: Sequence[int], activation: str = "relu", seed: int = 0, flatten: bool = False) -> nn.Sequential:
    """Fully connected net through `sizes` (input, hidden..., output); linear output layer."""
    if len(sizes) < 2 or any(s < 1 for s in sizes):
        raise UsageError(f"layer sizes must be >= 1 and at least two, got {list(sizes)}")
    if activation not in ACTIVATIONS:
        raise UsageError(f"activation must be one of {', '.join(ACTIVATIONS)}, not {activation!r}")
    layers: list[nn.Module] = [nn.Flatten()] if flatten else []
    with seeded(seed):
        for i, (fan_in, fan_out) in enumerate(itertools.pairwise(sizes)):
            layers.append(nn.Linear(fan_in, fan_out))
            if i < len(sizes) - 2:
                layers.append(ACTIVATIONS[activation]())
    return nn.Sequential(*layers)


# --- CNNs for image classification (`hw1 mnist`) ---------------------------------------------------------
# shallow / medium / deep: one family at about 32k parameters (within 5% of each other on 1x28x28 and on
# 3x32x32), differing only in how many conv layers they stack. Every conv is followed by BatchNorm: without
# it the 4-conv net barely moves in the first epochs at SGD lr 0.01 / momentum 0.5, and the comparison
# would measure the optimizer, not the depth. The deep net halves the resolution after its first conv,
# because full-resolution convs are what makes CNNs slow on a CPU. The last pool is adaptive, so the
# classifier sees the same feature size (and parameter count) on 28x28 and 32x32 inputs.
MODELS = CNN_MODELS


def _conv(c_in: int, c_out: int, kernel: int) -> list[nn.Module]:
    # The ReLU overwrites BatchNorm's output (BatchNorm's backward needs its input, not its output): one
    # activation-sized tensor less to allocate and write per conv. Measured on a 2-core AMD EPYC VM (one thread,
    # 125 steps of batch 64 and an 8k evaluation), deep 3.05 s instead of 3.30 s; the weights equal bit for bit.
    return [nn.Conv2d(c_in, c_out, kernel, padding=kernel // 2), nn.BatchNorm2d(c_out), nn.ReLU(inplace=True)]


def _cnn_layers(name: str, channels: int) -> tuple[list[nn.Module], list[int]]:
    """(feature layers, hidden widths of the classifier) of each named CNN."""
    if name == "shallow":  # 1 conv + 2 linear
        return [*_conv(channels, 16, 5), nn.AdaptiveMaxPool2d(7)], [40]
    if name == "medium":  # 2 conv + 2 linear
        return [*_conv(channels, 16, 3), nn.MaxPool2d(2), *_conv(16, 32, 3), nn.AdaptiveMaxPool2d(4)], [52]
    if name == "deep":  # 4 conv + 1 linear
        return [
            *_conv(channels, 16, 3), nn.MaxPool2d(2), *_conv(16, 32, 3), nn.MaxPool2d(2),
            *_conv(32, 32, 3), *_conv(32, 48, 3), nn.AdaptiveMaxPool2d(3),
        ], []
    if name == "lenet":  # LeCun et al. 1998 with ReLU and max-pooling; conv1's padding 2 keeps 28x28 at 28x28
        return [
            nn.Conv2d(channels, 6, 5, padding=2), nn.ReLU(), nn.MaxPool2d(2),
            nn.Conv2d(6, 16, 5), nn.ReLU(), nn.MaxPool2d(2),
        ], [120, 84]
    # cnn: the notebooks' 3-conv + 2-FC dropout net (32, 32, 64 filters of 5x5, FC 256); conv1's padding 2
    # makes the feature map 64x4x4 on 28x28, which gives the 342,698 parameters they reported.
    return [
        nn.Conv2d(channels, 32, 5, padding=2), nn.ReLU(),
        nn.Conv2d(32, 32, 5), nn.ReLU(), nn.MaxPool2d(2), nn.Dropout(0.25),
        nn.Conv2d(32, 64, 5), nn.ReLU(), nn.MaxPool2d(2), nn.Dropout(0.25),
    ], [256]


def cnn_model(name: str, input_shape: Sequence[int], num_classes: int = 10, seed: int = 0) -> nn.Sequential:
    """The CNN called `name` (see MODELS) for images of shape (channels, height, width)."""
    if name not in MODELS:
        raise UsageError(f"unknown model {name!r}; choose from {', '.join(MODELS)}")
    if len(input_shape) != 3:
        raise UsageError(f"model {name!r} needs images (channels, height, width), not shape {tuple(input_shape)}")
    if num_classes < 2:
        raise UsageError(f"a classifier needs at least 2 classes, not {num_classes}")
    with seeded(seed):
        features, hidden = _cnn_layers(name, input_shape[0])
        body = nn.Sequential(*features)
        try:  # the flattened size by a dummy forward pass: exact for any input size, no arithmetic to drift
            with torch.no_grad():
                flat = body.eval()(torch.zeros(1, *input_shape)).numel()
        except RuntimeError:
            raise UsageError(f"images of shape {tuple(input_shape)} are too small for model {name!r}") from None
        head: list[nn.Module] = [nn.Flatten()]
        for fan_in, fan_out in zip([flat, *hidden], hidden):
            head += [nn.Linear(fan_in, fan_out), nn.ReLU()]
            if name == "cnn":
                head.append(nn.Dropout(0.5))
        head.append(nn.Linear(([flat, *hidden])[-1], num_classes))
    # channels_last (NHWC) weights make the convs pick faster kernels: measured on a 2-core CPU, a training
    # epoch of shallow took 0.20 s instead of 0.30 s, deep 0.56 s instead of 0.83 s. Single-channel inputs
    # need no conversion (NCHW and NHWC are the same bytes), and cuDNN prefers NHWC too.
    return nn.Sequential(*features, *head).train().to(memory_format=torch.channels_last)


def classifier(name: str, hidden: Sequence[int], input_shape: Sequence[int], num_classes: int, seed: int) -> nn.Sequential:
    """LeNet, or an MLP with `hidden` widths between the flattened image and the classes."""
    if name == "lenet":
        return cnn_model("lenet", input_shape, num_classes, seed)
    return mlp([math.prod(input_shape), *hidden, num_classes], seed=seed, flatten=True)


def describe_classifier(name: str, hidden: Sequence[int], input_shape: Sequence[int], num_classes: int) -> str:
    """'LeNet' or e.g. 'MLP 784-256-256-10', for figure titles."""
    return "LeNet" if name == "lenet" else "MLP " + "-".join(map(str, [math.prod(input_shape), *hidden, num_classes]))
