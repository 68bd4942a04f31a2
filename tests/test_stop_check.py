"""mean_loss_at_most: the same answer as a full evaluation, bit for bit, while reading only what it needs."""

from __future__ import annotations

import pytest
import torch
from torch import nn

from hw1cli.training import evaluate, mean_loss_at_most


def _model_and_data(classes: bool) -> tuple[nn.Module, torch.Tensor, torch.Tensor]:
    gen = torch.Generator().manual_seed(0)
    x = torch.randn(700, 12, generator=gen)  # three evaluation batches of 256 rows on the CPU
    torch.manual_seed(1)
    model = nn.Sequential(nn.Linear(12, 16), nn.Tanh(), nn.Linear(16, 4 if classes else 1))
    y = torch.randint(0, 4, (700,), generator=gen) if classes else torch.randn(700, 1, generator=gen)
    return model, x, y


@pytest.mark.parametrize("classes", [True, False])
def test_same_answer_as_a_full_evaluation(classes: bool) -> None:
    model, x, y = _model_and_data(classes)
    loss, _ = evaluate(model, x, y)
    for limit in (0.0, loss / 2, loss, loss * (1 - 1e-15), loss * (1 + 1e-15), loss * 2, float("inf")):
        assert mean_loss_at_most(model, x, y, limit) == (loss <= limit), limit
    assert mean_loss_at_most(model, x, y, loss)  # exactly at the limit: evaluate's own float says yes


def test_it_stops_once_the_partial_sum_exceeds_the_limit() -> None:
    model, x, y = _model_and_data(True)
    rows: list[int] = []
    model.register_forward_hook(lambda module, inputs, output: rows.append(len(inputs[0])))
    model.train()
    assert not mean_loss_at_most(model, x, y, 0.01)  # an untrained net is far above 0.01: one batch says so
    assert rows == [256]
    assert model.training  # its mode is restored
    rows.clear()
    assert mean_loss_at_most(model, x, y, 100.0)  # "yes" needs every row
    assert sum(rows) == 700
