"""Model builders and parameter counting. Every builder takes a seed so that initialisation is reproducible."""

from __future__ import annotations

from collections.abc import Sequence

from torch import nn

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
        for i, (fan_in, fan_out) in enumerate(zip(sizes[:-1], sizes[1:])):
            layers.append(nn.Linear(fan_in, fan_out))
            if i < len(sizes) - 2:
                layers.append(ACTIVATIONS[activation]())
    return nn.Sequential(*layers)


def mlp_param_count(depth: int, width: int, inputs: int = 1, outputs: int = 1) -> int:
    """Parameters of an MLP with `depth` hidden layers of `width` units (weights and biases)."""
    return (inputs + 1) * width + (depth - 1) * (width + 1) * width + (width + 1) * outputs


def width_for_budget(depth: int, budget: int, inputs: int = 1, outputs: int = 1) -> int:
    """The hidden width whose parameter count is closest to `budget` (ties go to the smaller net)."""
    if depth < 1:
        raise UsageError(f"depth must be >= 1, not {depth}")
    if budget < mlp_param_count(depth, 1, inputs, outputs):
        raise UsageError(f"a parameter budget of {budget} is too small for depth {depth}")
    width = 1
    # The count grows with width, so walk up until it passes the budget, then pick the nearer side.
    while mlp_param_count(depth, width + 1, inputs, outputs) <= budget:
        width += 1
    below = abs(budget - mlp_param_count(depth, width, inputs, outputs))
    above = abs(mlp_param_count(depth, width + 1, inputs, outputs) - budget)
    return width + 1 if above < below else width
