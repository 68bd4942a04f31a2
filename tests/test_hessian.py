"""The exact Hessian of the full-data loss and the minimal ratio."""

from __future__ import annotations

import pytest
import torch
from torch import nn

from hw1cli.measures import exact_hessian, hessian, minimal_ratio, stacked_hessians
from hw1cli.models import mlp
from hw1cli.training import Ensemble


def _sinc_data() -> tuple[torch.Tensor, torch.Tensor]:
    x = torch.linspace(-1.5, 1.5, 30, dtype=torch.float64).unsqueeze(1)
    return x, torch.sinc(5 * x)


def test_hessian_matches_autograd_functional() -> None:
    x, y = _sinc_data()
    model = mlp([1, 4, 3, 1], "tanh", seed=1).double()
    names = [n for n, _ in model.named_parameters()]
    params = tuple(p.detach() for p in model.parameters())

    def loss(*tensors: torch.Tensor) -> torch.Tensor:
        out = torch.func.functional_call(model, dict(zip(names, tensors)), (x,))
        return nn.functional.mse_loss(out, y)

    blocks = torch.autograd.functional.hessian(loss, params)
    sizes = [p.numel() for p in params]
    reference = torch.cat([torch.cat([blocks[i][j].reshape(sizes[i], sizes[j]) for j in range(len(params))], 1) for i in range(len(params))])
    ours = hessian(model, x, y)
    assert ours.shape == (sum(sizes), sum(sizes))
    assert torch.allclose(ours, reference, atol=1e-12)


def test_stacked_hessians_equal_one_at_a_time() -> None:
    x, y = _sinc_data()
    models = [mlp([1, 3, 1], "tanh", seed=s).double() for s in range(3)]
    ens = Ensemble.of(models)
    batched = stacked_hessians(ens.template, ens.params, ens.buffers, x, y, chunk_size=2)
    for k, model in enumerate(models):
        assert torch.allclose(batched[k], hessian(model, x, y), atol=1e-12)


def test_convex_quadratic_has_minimal_ratio_one() -> None:
    gen = torch.Generator().manual_seed(0)
    a = torch.randn(6, 6, generator=gen, dtype=torch.float64)
    spd = a @ a.T + 0.1 * torch.eye(6, dtype=torch.float64)
    h = exact_hessian(lambda t: 0.5 * t @ spd @ t, torch.randn(6, dtype=torch.float64, generator=gen))
    assert torch.allclose(h, spd, atol=1e-12)
    assert float(minimal_ratio(torch.linalg.eigvalsh(h))) == 1.0


@pytest.mark.parametrize("n", [2, 5, 9])
def test_saddle_with_one_negative_direction(n: int) -> None:
    curvature = torch.ones(n, dtype=torch.float64)
    curvature[-1] = -2.0
    rotation, _ = torch.linalg.qr(torch.randn(n, n, dtype=torch.float64, generator=torch.Generator().manual_seed(n)))
    matrix = rotation @ torch.diag(curvature) @ rotation.T  # the saddle in a rotated basis: not diagonal
    h = exact_hessian(lambda t: 0.5 * t @ matrix @ t, torch.zeros(n, dtype=torch.float64))
    assert float(minimal_ratio(torch.linalg.eigvalsh(h))) == pytest.approx((n - 1) / n)
