"""Stacked ensembles (one batched product per layer, ensemble_stack.py) give each model its separate fit's numbers
to float tolerance; simulate trains each depth's models as one stack."""

from __future__ import annotations

import pytest
import torch
from torch import nn

from hw1cli.errors import UsageError
from hw1cli.functions import grid, target
from hw1cli.models import mlp
from hw1cli.training import OptimizerSpec, fit, fit_ensemble, squared_grad_norm
from hw1cli.training.ensemble_stack import is_plain_mlp

SEEDS = [3, 4, 5]
ADAM = OptimizerSpec("adam", 1e-2, 1e-3)


def _classification() -> tuple[torch.Tensor, torch.Tensor]:
    gen = torch.Generator().manual_seed(0)
    return torch.randn(90, 1, 4, 4, generator=gen, dtype=torch.float64), torch.randint(0, 3, (90,), generator=gen)


def _flat(model: nn.Module) -> torch.Tensor:
    return torch.cat([p.detach().reshape(-1) for p in model.parameters()])


@pytest.mark.parametrize("batch_size", [None, 32], ids=["full-batch", "minibatch"])
def test_stacked_seeds_match_their_separate_runs(batch_size: int | None) -> None:
    """An ensemble of seeds: each seed's weights, loss and accuracy within float tolerance of its own `fit`."""
    x, y = _classification()
    models = [mlp([16, 6, 3], seed=s, flatten=True).double() for s in SEEDS]
    result = fit_ensemble(models, x, y, optimizer=ADAM, epochs=3, batch_size=batch_size, seeds=SEEDS, stacked=True)
    assert result.status == ["completed"] * 3
    for k, seed in enumerate(SEEDS):
        alone = mlp([16, 6, 3], seed=seed, flatten=True).double()
        history = fit(alone, x, y, optimizer=ADAM, epochs=3, batch_size=batch_size, seed=seed).history
        assert torch.allclose(result.ensemble.flat()[k], _flat(alone), atol=1e-10, rtol=0)
        assert result.history[k][-1].running_loss == pytest.approx(history[-1].running_loss, abs=1e-10)
        assert result.history[k][-1].running_acc == history[-1].running_acc


def test_each_model_fits_its_own_targets_and_stops_on_its_own() -> None:
    """simulate's use: sinc and sign in one stack (targets per model, float32 as simulate trains); the sign
    model is frozen after epoch 2 and the sinc one trains on alone, each equal to its own fit."""
    x = grid(60, -1.5, 1.5, torch.device("cpu"))
    ys = torch.stack([target("sinc", x), target("sign", x)])
    models = [mlp([1, 8, 8, 1], activation="leaky_relu", seed=s) for s in (0, 1)]
    result = fit_ensemble(
        models, x, ys, optimizer=ADAM, epochs=6, seeds=[0, 1], stacked=True, targets_per_model=True,
        on_epoch=lambda epoch, stats: [False, epoch == 2],
    )
    assert result.status == ["completed", "stopped"] and result.steps == [6, 2]
    assert [len(h) for h in result.history] == [6, 2]
    for k, (seed, epochs) in enumerate([(0, 6), (1, 2)]):
        alone = mlp([1, 8, 8, 1], activation="leaky_relu", seed=seed)
        history = fit(alone, x, ys[k], optimizer=ADAM, epochs=epochs, seed=seed).history
        assert torch.allclose(result.ensemble.flat()[k], _flat(alone), atol=1e-6, rtol=0)
        assert [h.running_loss for h in result.history[k]] == pytest.approx([h.running_loss for h in history], rel=1e-5)


def test_a_model_does_not_depend_on_the_others_in_its_stack() -> None:
    """The same seed trained with one or with three stack-mates ends with the same weights, bit for bit."""
    x = grid(50, -1.5, 1.5, torch.device("cpu"))
    y = target("sinc", x)
    pair = fit_ensemble([mlp([1, 9, 9, 1], activation="leaky_relu", seed=s) for s in (0, 1)], x, y,
                        optimizer=ADAM, epochs=20, seeds=[0, 1], stacked=True)
    four = fit_ensemble([mlp([1, 9, 9, 1], activation="leaky_relu", seed=s) for s in (0, 7, 8, 9)], x, y,
                        optimizer=ADAM, epochs=20, seeds=[0, 7, 8, 9], stacked=True)
    assert torch.equal(pair.ensemble.flat()[0], four.ensemble.flat()[0])


def test_only_plain_mlps_stack() -> None:
    assert is_plain_mlp(mlp([4, 3, 2], flatten=True)) and is_plain_mlp(mlp([1, 5, 1], activation="tanh"))
    conv = nn.Sequential(nn.Conv2d(1, 2, 3), nn.Flatten(), nn.Linear(8, 2))
    assert not is_plain_mlp(conv) and not is_plain_mlp(nn.Sequential(nn.ReLU()))
    x = torch.randn(10, 1, 4, 4)
    with pytest.raises(UsageError, match="plain MLPs"):
        fit_ensemble([conv], x, torch.zeros(10, dtype=torch.long), optimizer=ADAM, epochs=1, seeds=[0], stacked=True)
    with pytest.raises(UsageError, match="targets per model"):
        fit_ensemble([mlp([16, 2], flatten=True)], x, torch.zeros(1, 10, 2), optimizer=ADAM, epochs=1, seeds=[0],
                     batch_size=4, stacked=True, targets_per_model=True)


def test_the_squared_gradient_norm_phase_stacked_matches_each_run_alone() -> None:
    """minratio's ‖∇L‖² phase as one stack: each run's objective is its own ‖∇L‖² (the stack's gradient in its
    slice), differentiated again; weights and objective within float64 rounding of the run-by-run ensemble,
    which tests/test_ensemble.py checks against separate runs. A run frozen on the way stays where it was."""
    x = grid(40, -1.5, 1.5, torch.device("cpu")).double()
    y = target("sinc", x)
    runs = [0, 1, 2, 3]

    def trained(stacked: bool, frozen: list[bool] | None = None) -> tuple[torch.Tensor, list[float]]:
        models = [mlp([1, 6, 6, 1], activation="tanh", seed=s).double() for s in runs]
        warm = fit_ensemble(models, x, y, optimizer=ADAM, epochs=30, seeds=runs, stacked=True)
        result = fit_ensemble(warm.ensemble, x, y, optimizer=OptimizerSpec("adam", 1e-3), epochs=15, seeds=runs,
                              objective=squared_grad_norm, stacked=stacked, frozen=frozen)
        return result.ensemble.flat(), [h[-1].running_loss if h else None for h in result.history]

    stacked, stacked_values = trained(True)
    looped, looped_values = trained(False)
    assert torch.allclose(stacked, looped, atol=1e-12, rtol=0) and not torch.equal(stacked[0], stacked[1])
    assert stacked_values == pytest.approx(looped_values, rel=1e-10)
    assert torch.equal(stacked, trained(True, [False] * 4)[0])  # deterministic
    kept, kept_values = trained(True, [False, True, False, False])
    assert kept_values[1] is None
    before = fit_ensemble([mlp([1, 6, 6, 1], activation="tanh", seed=s).double() for s in runs], x, y,
                          optimizer=ADAM, epochs=30, seeds=runs, stacked=True).ensemble.flat()
    assert torch.equal(kept[1], before[1]) and torch.equal(kept[0], stacked[0])
