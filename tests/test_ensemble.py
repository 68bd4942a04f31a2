"""Ensemble training (torch.func) gives the same numbers as training each seed alone with training.fit."""

from __future__ import annotations

import itertools

import pytest
import torch

from hw1cli.errors import UsageError
from hw1cli.measures import stacked_loss_and_grad_norm
from hw1cli.models import mlp
from hw1cli.training import Ensemble, OptimizerSpec, evaluate, evaluate_ensemble, fit, fit_ensemble, squared_grad_norm

SEEDS = [3, 4, 5]


def _data() -> tuple[torch.Tensor, torch.Tensor]:
    gen = torch.Generator().manual_seed(0)
    return torch.randn(90, 1, 4, 4, generator=gen, dtype=torch.float64), torch.randint(0, 3, (90,), generator=gen)


def _models() -> list[torch.nn.Module]:
    return [mlp([16, 6, 3], seed=s, flatten=True).double() for s in SEEDS]


@pytest.mark.parametrize(
    "spec", [OptimizerSpec("adam", 1e-2, 1e-3), OptimizerSpec("sgd", 0.1, 1e-3, momentum=0.9, nesterov=True)], ids=["adam", "sgd"]
)
def test_ensemble_matches_separate_runs(spec: OptimizerSpec) -> None:
    x, y = _data()
    result = fit_ensemble(_models(), x, y, optimizer=spec, epochs=3, batch_size=32, seeds=SEEDS)
    assert result.status == ["completed"] * 3 and result.steps == [9] * 3  # 3 epochs of ceil(90/32) steps
    for k, (seed, alone) in enumerate(zip(SEEDS, _models())):
        history = fit(alone, x, y, optimizer=spec, epochs=3, batch_size=32, seed=seed).history
        for name, p in alone.named_parameters():
            assert torch.allclose(result.ensemble.params[name][k], p, atol=1e-6, rtol=0), name
        assert result.history[k][-1].running_loss == pytest.approx(history[-1].running_loss, abs=1e-6)
        assert result.history[k][-1].running_acc == history[-1].running_acc


def test_evaluate_and_modules_agree_with_single_models() -> None:
    x, y = _data()
    ens = Ensemble.of(_models())
    losses, accs = evaluate_ensemble(ens, x, y)
    for k, module in enumerate(ens.modules()):
        loss, acc = evaluate(module, x, y)
        assert losses[k] == pytest.approx(loss, abs=1e-12) and accs is not None and accs[k] == acc


def test_full_batch_objective_and_freezing() -> None:
    """‖∇L‖² as the objective matches a hand-written double backward; frozen models do not move."""
    x = torch.linspace(-1, 1, 40, dtype=torch.float64).unsqueeze(1)
    y = torch.sin(3 * x)
    models = [mlp([1, 5, 1], "tanh", seed=s).double() for s in SEEDS]
    before = Ensemble.of(models).flat()
    result = fit_ensemble(
        models, x, y, optimizer=OptimizerSpec("adam", 1e-3), epochs=4, seeds=SEEDS, objective=squared_grad_norm,
        frozen=[False, True, False],
    )
    after = result.ensemble.flat()
    assert torch.equal(after[1], before[1]) and not torch.equal(after[0], before[0])
    assert result.status == ["completed", "frozen", "completed"] and result.steps == [4, 0, 4]
    alone = mlp([1, 5, 1], "tanh", seed=SEEDS[0]).double()
    def objective(m: torch.nn.Module, xb: torch.Tensor, yb: torch.Tensor) -> torch.Tensor:
        loss = torch.nn.functional.mse_loss(m(xb), yb)
        return sum((g**2).sum() for g in torch.autograd.grad(loss, list(m.parameters()), create_graph=True))
    fit(alone, x, y, optimizer=OptimizerSpec("adam", 1e-3), epochs=4, objective=objective)
    assert torch.allclose(torch.cat([p.reshape(-1) for p in alone.parameters()]), after[0], atol=1e-10)
    ens = result.ensemble
    loss, norm = stacked_loss_and_grad_norm(ens.template, ens.params, ens.buffers, x, y)
    assert loss.shape == norm.shape == (3,) and bool((norm > 0).all())


def test_finished_models_leave_the_working_set_without_changing_numbers() -> None:
    """After epoch 1 three of four models stop; the fourth trains on alone (compacted) exactly as by itself."""
    x, y = _data()
    seeds = [*SEEDS, 6]
    spec = OptimizerSpec("adam", 1e-2, 1e-3)
    models = [mlp([16, 6, 3], seed=s, flatten=True).double() for s in seeds]
    result = fit_ensemble(
        models, x, y, optimizer=spec, epochs=4, batch_size=32, seeds=seeds,
        on_epoch=lambda epoch, stats: [True, True, True, False] if epoch == 1 else None,
    )
    assert result.status == ["stopped"] * 3 + ["completed"] and result.steps == [3, 3, 3, 12]
    for k, seed in enumerate(seeds):
        alone = mlp([16, 6, 3], seed=seed, flatten=True).double()
        fit(alone, x, y, optimizer=spec, epochs=1 if k < 3 else 4, batch_size=32, seed=seed)
        assert torch.allclose(torch.cat([p.reshape(-1) for p in alone.parameters()]), result.ensemble.flat()[k], atol=1e-6)


def test_on_step_freezes_before_the_update() -> None:
    x = torch.linspace(-1, 1, 20, dtype=torch.float64).unsqueeze(1)
    models = [mlp([1, 4, 1], "tanh", seed=s).double() for s in SEEDS]
    before = Ensemble.of(models).flat()
    flag = torch.tensor([True, False, False])
    result = fit_ensemble(models, x, x**2, optimizer=OptimizerSpec("sgd", 0.1), epochs=2, seeds=SEEDS, on_step=lambda i, v: flag)
    assert torch.equal(result.ensemble.flat()[0], before[0]) and result.steps == [0, 2, 2]
    assert result.status == ["stopped", "completed", "completed"]


def test_divergence_is_per_model() -> None:
    x = torch.linspace(-1, 1, 20, dtype=torch.float64).unsqueeze(1)
    models = [mlp([1, 4, 1], seed=s).double() for s in SEEDS]
    with torch.no_grad():
        models[1][0].weight.fill_(float("nan"))
    result = fit_ensemble(models, x, x**2, optimizer=OptimizerSpec("adam", 1e-2), epochs=3, seeds=SEEDS)
    assert result.status == ["completed", "diverged", "completed"]
    assert len(result.history[0]) == 3 and result.history[1] == []


def test_bad_arguments_raise_usage_errors() -> None:
    x, y = _data()
    with pytest.raises(UsageError, match="seeds"):
        fit_ensemble(_models(), x, y, optimizer=OptimizerSpec(), epochs=1, seeds=[0])
    with pytest.raises(UsageError, match="BatchNorm"):
        Ensemble.of([torch.nn.Sequential(torch.nn.Linear(2, 2), torch.nn.BatchNorm1d(2))])


def test_callbacks_see_live_parameters_after_finished_models_are_dropped() -> None:
    """Once most models are frozen the working set shrinks; on_epoch must still read current values."""

    x, y = torch.randn(64, 4), torch.randint(0, 3, (64,))
    ens = Ensemble.of([mlp([4, 8, 3], seed=s) for s in range(3)])
    seen: list[torch.Tensor] = []

    def on_epoch(epoch: int, stats: object) -> list[bool] | None:
        seen.append(ens.flat()[2].clone())
        return [True, True, False] if epoch == 1 else None

    fit_ensemble(ens, x, y, optimizer=OptimizerSpec("adam", 1e-2), epochs=4, seeds=[0, 1, 2], batch_size=16, on_epoch=on_epoch)
    assert all(float((b - a).norm()) > 0 for a, b in itertools.pairwise(seen))  # model 2 kept training, visibly
    assert torch.equal(ens.flat()[2], seen[-1])
