"""Flatness measures: interpolation endpoints, sensitivity against finite differences, sharpness against an
analytic box maximum."""

from __future__ import annotations

import pytest
import torch
from torch import Tensor, nn

from hw1cli.measures import evaluate_line, interpolate_params, parameter_state, sensitivity, sharpness
from hw1cli.models import mlp
from hw1cli.training import evaluate


def test_interpolation_endpoints_are_the_models_exactly() -> None:
    a, b = mlp([6, 5, 3], seed=0, flatten=True), mlp([6, 5, 3], seed=1, flatten=True)
    theta_a, theta_b = parameter_state(a), parameter_state(b)
    for name in theta_a:
        assert torch.equal(interpolate_params(theta_a, theta_b, 0.0)[name], theta_a[name])
        assert torch.equal(interpolate_params(theta_a, theta_b, 1.0)[name], theta_b[name])
        assert torch.allclose(interpolate_params(theta_a, theta_b, 0.5)[name], (theta_a[name] + theta_b[name]) / 2)
    x, y = torch.randn(40, 1, 2, 3), torch.randint(0, 3, (40,))
    rows = evaluate_line(mlp([6, 5, 3], seed=7, flatten=True), theta_a, theta_b, [0.0, 0.5, 1.0], {"train": (x, y)})
    assert [r["alpha"] for r in rows] == [0.0, 0.5, 1.0]
    for row, model in ((rows[0], a), (rows[2], b)):
        loss, acc = evaluate(model, x, y)
        assert row["train_loss"] == pytest.approx(loss, abs=1e-6) and row["train_acc"] == pytest.approx(acc, abs=1e-6)


def finite_difference_sensitivity(model: nn.Module, x: Tensor, h: float = 1e-6) -> float:
    """Central differences, one input coordinate at a time: the slow, obvious definition."""
    flat = x.flatten(1)
    columns = []
    for j in range(flat.shape[1]):
        step = torch.zeros_like(flat)
        step[:, j] = h
        plus = torch.softmax(model((flat + step).view_as(x)), -1)
        minus = torch.softmax(model((flat - step).view_as(x)), -1)
        columns.append((plus - minus) / (2 * h))  # (N, K): column j of every point's Jacobian
    jacobians = torch.stack(columns, dim=2)  # (N, K, D)
    return float(torch.linalg.vector_norm(jacobians.flatten(1), dim=1).mean())


def test_sensitivity_matches_finite_differences() -> None:
    model = mlp([12, 8, 8, 5], activation="tanh", seed=3, flatten=True).double().eval()
    x = torch.randn(30, 1, 3, 4, dtype=torch.float64, generator=torch.Generator().manual_seed(0))
    with torch.no_grad():
        expected = finite_difference_sensitivity(model, x)
    # batch_size 7 does not divide 30: the ragged last batch must count with its true weight.
    measured = sensitivity(model, x, batch_size=7)
    assert measured == pytest.approx(expected, rel=1e-3)
    assert measured == pytest.approx(sensitivity(model, x), rel=1e-12)


def test_sensitivity_runs_on_mnist_sized_input_and_restores_training_mode() -> None:
    model = mlp([784, 256, 256, 10], seed=0, flatten=True)
    x = torch.randn(2000, 1, 28, 28)
    value = sensitivity(model, x)
    assert value > 0 and model.training


class QuadraticInParameters(nn.Module):
    """Ignores its input and outputs its parameter vector: with QuadraticLoss the loss is Σ a_i (θ_i − c_i)²."""

    def __init__(self, theta: Tensor) -> None:
        super().__init__()
        self.theta = nn.Parameter(theta.clone())

    def forward(self, x: Tensor) -> Tensor:
        return self.theta.expand(len(x), -1)


class QuadraticLoss:
    def __init__(self, a: Tensor, c: Tensor) -> None:
        self.a, self.c = a, c

    def __call__(self, out: Tensor, y: Tensor) -> Tensor:
        return (self.a * (out - self.c) ** 2).sum(1).mean()


def quadratic_problem(signs: str) -> tuple[QuadraticInParameters, QuadraticLoss, Tensor, Tensor]:
    gen = torch.Generator().manual_seed(0)
    n = 50
    theta = torch.randn(n, dtype=torch.float64, generator=gen) * 3
    c = theta + torch.randn(n, dtype=torch.float64, generator=gen) * 0.01  # near the optimum, as after training
    a = torch.rand(n, dtype=torch.float64, generator=gen) + 0.5
    if signs == "mixed":
        a[::3] *= -1  # concave coordinates: their maximum can lie inside the box
    return QuadraticInParameters(theta), QuadraticLoss(a, c), theta, c


def analytic_box_maximum(loss: QuadraticLoss, theta: Tensor, epsilon: float) -> tuple[float, float]:
    """(L(θ), max over |δ_i| <= ε(|θ_i|+1) of L(θ+δ)); the loss is separable, so coordinate by coordinate."""
    r = epsilon * (theta.abs() + 1)
    gap = (theta - loss.c).abs()
    farthest = (gap + r) ** 2  # convex coordinate: go to the box edge away from c
    nearest = (gap - r).clamp_min(0) ** 2  # concave coordinate: get as close to c as the box allows
    best = torch.where(loss.a > 0, loss.a * farthest, loss.a * nearest)
    return float((loss.a * gap**2).sum()), float(best.sum())


@pytest.mark.parametrize("signs", ["convex", "mixed"])
def test_sharpness_reaches_the_analytic_box_maximum(signs: str) -> None:
    model, loss, theta, _ = quadratic_problem(signs)
    x, y = torch.zeros(4, 1, dtype=torch.float64), torch.zeros(4)
    epsilon = 1e-3
    base, maximum = analytic_box_maximum(loss, theta, epsilon)
    expected = 100 * (maximum - base) / (1 + base)  # Keskar's scale: percent of 1 + L(θ)
    measured = sharpness(model, x, y, loss_fn=loss, epsilon=epsilon, steps=20)
    assert expected > 0 and measured >= 0
    assert measured == pytest.approx(expected, rel=0.05)
    assert measured <= expected * (1 + 1e-9)  # every evaluated point lies inside the box
    assert torch.equal(model.theta.detach(), theta)  # the model is left as it was


def test_sharpness_is_nonnegative_and_leaves_a_network_unchanged() -> None:
    model = mlp([6, 16, 3], seed=0, flatten=True)
    gen = torch.Generator().manual_seed(1)
    x, y = torch.randn(64, 1, 2, 3, generator=gen), torch.randint(0, 3, (64,), generator=gen)
    before = parameter_state(model)
    value = sharpness(model, x, y, epsilon=1e-3, steps=5, batch_size=10)
    assert value >= 0
    assert all(torch.equal(before[k], v) for k, v in model.state_dict().items())
    assert model.training and all(p.grad is None for p in model.parameters())
    # A larger box can only hold a larger maximum (the ascent starts the same way).
    assert sharpness(model, x, y, epsilon=1e-1, steps=5) > value


def test_sharpness_rejects_bad_settings() -> None:
    model = mlp([2, 2], flatten=True)
    with pytest.raises(ValueError):
        sharpness(model, torch.zeros(1, 2), torch.zeros(1, dtype=torch.long), epsilon=0)
