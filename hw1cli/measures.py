"""Quantities measured on trained models: gradient norms, and (added per experiment) curvature and flatness."""

from __future__ import annotations

import torch
from torch import Tensor, nn


def global_grad_norm(model: nn.Module) -> Tensor:
    """L2 norm of all parameters' current .grad, concatenated (a 0-d tensor; no host sync)."""
    grads = [p.grad for p in model.parameters() if p.grad is not None]
    if not grads:
        return torch.zeros(())
    return torch.linalg.vector_norm(torch.stack([torch.linalg.vector_norm(g) for g in grads]))
