"""optimizer_step: a fused Adam's update called directly gives torch.optim's weights bit for bit."""

from __future__ import annotations

import pytest
import torch
import torch.nn.functional as F

import hw1cli.training.loop as loop
from hw1cli.models import mlp
from hw1cli.training import OptimizerSpec, fit
from hw1cli.training.optim import optimizer_step


def _data() -> tuple[torch.Tensor, torch.Tensor]:
    x = torch.linspace(-1.5, 1.5, 120).unsqueeze(1)
    return x, torch.sign(torch.sin(5 * torch.pi * x))


def _train(direct: bool, spec: OptimizerSpec, steps: int = 40) -> list[torch.Tensor]:
    x, y = _data()
    model = mlp([1, 9, 9, 9, 1], activation="leaky_relu", seed=0)
    opt = spec.build(model.parameters())
    step = optimizer_step(opt) if direct else opt.step
    for _ in range(steps):
        opt.zero_grad(set_to_none=True)
        F.mse_loss(model(x), y).backward()
        step()
    return [p.detach().clone() for p in model.parameters()]


@pytest.mark.parametrize("spec", [OptimizerSpec("adam", 1e-2, 1e-4), OptimizerSpec("adam", 3e-3)])
def test_direct_adam_equals_torch_bit_for_bit(spec: OptimizerSpec) -> None:
    direct, plain = _train(True, spec), _train(False, spec)
    assert all(torch.equal(a, b) for a, b in zip(direct, plain))
    assert not torch.equal(direct[0], _train(True, spec, steps=1)[0])  # it did train


def test_only_a_plain_fused_adam_takes_the_direct_path() -> None:
    params = [torch.nn.Parameter(torch.ones(3))]
    adam = OptimizerSpec("adam", 1e-3).build(params)
    assert optimizer_step(adam) != adam.step
    for other in (OptimizerSpec("sgd", 0.1, momentum=0.5).build(params), OptimizerSpec("rmsprop", 1e-3).build(params),
                  torch.optim.Adam(params, amsgrad=True, fused=True), torch.optim.Adam(params)):
        assert optimizer_step(other) == other.step


def test_fit_gives_the_same_history_and_weights(monkeypatch: pytest.MonkeyPatch) -> None:
    x, y = _data()

    def trained() -> tuple[list[float], list[torch.Tensor]]:
        model = mlp([1, 9, 9, 1], activation="leaky_relu", seed=0)
        result = fit(model, x, y, optimizer=OptimizerSpec("adam", 1e-2, 1e-4), epochs=15, batch_size=32, seed=3)
        return [h.running_loss for h in result.history], [p.detach().clone() for p in model.parameters()]

    direct = trained()
    monkeypatch.setattr(loop, "optimizer_step", lambda opt: opt.step)
    plain = trained()
    assert direct[0] == plain[0]
    assert all(torch.equal(a, b) for a, b in zip(direct[1], plain[1]))
