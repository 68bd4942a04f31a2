"""The 1-D target functions of HW1-1 and the grid they are sampled on."""

from __future__ import annotations

import math

import torch
from torch import Tensor

from hw1cli.errors import UsageError


def sinc(x: Tensor) -> Tensor:
    """sin(5πx) / (5πx), equal to np.sinc(5x) (1 at x = 0)."""
    return torch.sinc(5 * x)


def sign(x: Tensor) -> Tensor:
    """sgn(sin(5πx)): a square wave, the non-smooth target."""
    return torch.sign(torch.sin(5 * math.pi * x))


FUNCTIONS = {"sinc": sinc, "sign": sign}


def grid(points: int, x_min: float, x_max: float, device: torch.device | str = "cpu") -> Tensor:
    """`points` evenly spaced inputs on [x_min, x_max) as a column (points, 1)."""
    if points < 2:
        raise UsageError(f"--points must be >= 2, not {points}")
    if not x_min < x_max:
        raise UsageError(f"--x-min ({x_min}) must be below --x-max ({x_max})")
    return torch.linspace(x_min, x_max, points + 1, device=device)[:-1].unsqueeze(1)


def target(name: str, x: Tensor) -> Tensor:
    if name not in FUNCTIONS:
        raise UsageError(f"unknown function {name!r}; choose from {', '.join(FUNCTIONS)}")
    return FUNCTIONS[name](x)
