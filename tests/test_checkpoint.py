"""Checkpoints: a fit resumed from one gives the uninterrupted numbers, also from a checkpoint written before
EpochStats' running_* fields were renamed (they were train_loss / train_acc)."""

from __future__ import annotations

from pathlib import Path

import torch

from hw1cli.models import mlp
from hw1cli.training import OptimizerSpec, fit


def test_a_checkpoint_with_the_old_field_names_resumes_to_the_uninterrupted_numbers(tmp_path: Path) -> None:
    g = torch.Generator().manual_seed(0)
    x, y = torch.randn(60, 5, generator=g), torch.randint(0, 3, (60,), generator=g)
    args = {"optimizer": OptimizerSpec("adam", 1e-2), "batch_size": 16, "seed": 1}
    ckpt = tmp_path / "fit.pt"
    fit(mlp([5, 8, 3], seed=2), x, y, epochs=2, checkpoint=ckpt, **args)
    state = torch.load(ckpt, weights_only=False)
    state["finished"] = False  # as if the process had stopped after epoch 2 of 3
    state["history"] = [
        {"epoch": h["epoch"], "train_loss": h["running_loss"], "train_acc": h["running_acc"],
         "epoch_seconds": h["epoch_seconds"]}
        for h in state["history"]
    ]
    torch.save(state, ckpt)
    resumed = fit(mlp([5, 8, 3], seed=2), x, y, epochs=3, checkpoint=ckpt, **args)
    whole = fit(mlp([5, 8, 3], seed=2), x, y, epochs=3, **args)
    assert [(h.epoch, h.running_loss, h.running_acc) for h in resumed.history] == [
        (h.epoch, h.running_loss, h.running_acc) for h in whole.history
    ]
    assert whole.history[-1].running_loss < whole.history[0].running_loss  # it trained
