"""MLP sizes from a parameter budget: plain arithmetic, so that configs can check a budget without torch."""

from __future__ import annotations

from hw1cli.errors import UsageError


def mlp_param_count(depth: int, width: int, inputs: int = 1, outputs: int = 1) -> int:
    """Parameters of an MLP with `depth` hidden layers of `width` units (weights and biases)."""
    return (inputs + 1) * width + (depth - 1) * (width + 1) * width + (width + 1) * outputs


def width_for_budget(depth: int, budget: int, inputs: int = 1, outputs: int = 1) -> int:
    """The hidden width whose parameter count is closest to `budget` (ties go to the smaller net)."""
    if depth < 1:
        raise UsageError(f"depth must be >= 1, not {depth}")
    if budget < mlp_param_count(depth, 1, inputs, outputs):
        raise UsageError(f"a parameter budget of {budget} is too small for depth {depth}")
    # The count grows with width: bisect for the widest net within the budget (a walk would take hours for
    # --params 1e11), then pick the nearer side.
    width, too_wide = 1, 2
    while mlp_param_count(depth, too_wide, inputs, outputs) <= budget:
        width, too_wide = too_wide, too_wide * 2
    while too_wide - width > 1:
        middle = (width + too_wide) // 2
        width, too_wide = (middle, too_wide) if mlp_param_count(depth, middle, inputs, outputs) <= budget else (width, middle)
    below = abs(budget - mlp_param_count(depth, width, inputs, outputs))
    above = abs(mlp_param_count(depth, width + 1, inputs, outputs) - budget)
    return width + 1 if above < below else width
