"""THE shared training loop: every experiment fits its single models through `fit` (ensembles: ensemble.py).

Data are tensors already on the device; a minibatch is an index slice of a seeded on-device permutation,
so an epoch has no per-sample Python work and no host-device copies.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import torch
from torch import Tensor, nn

from hw1cli.progress import ProgressTask
from hw1cli.runtime import cpu_threads_for, generator, synchronize
from hw1cli.training.batches import StepSetup, batch_indices, check_fit_arguments
from hw1cli.training.checkpoint import load_checkpoint, save_checkpoint
from hw1cli.training.optim import LossFn, Objective, OptimizerSpec, default_loss, optimizer_step
from hw1cli.training.results import EpochStats, FitResult
from hw1cli.training.step_graph import StaticStep, build_static_step, choose_step_mode

EpochCallback = Callable[[EpochStats], "bool | None"]  # returns True to stop early
# (iteration, loss) after backward, before the update; returns True to stop after this step's update.
StepCallback = Callable[[int, Tensor], "bool | None"]


def fit(
    model: nn.Module,
    x: Tensor,
    y: Tensor,
    *,
    optimizer: OptimizerSpec,
    epochs: int,
    batch_size: int | None = None,
    loss_fn: LossFn | None = None,
    objective: Objective | None = None,
    seed: int = 0,
    on_epoch: EpochCallback | None = None,
    on_step: StepCallback | None = None,
    task: ProgressTask | None = None,
    checkpoint: Path | None = None,
    checkpoint_every: int = 1,
    step_mode: str = "auto",
) -> FitResult:
    """Train `model` on (x, y) in place; returns how it ended and the per-epoch history.

    batch_size None (or >= len(x)) is full-batch training. `seed` fixes the data order. With `checkpoint`,
    model/optimizer/RNG state is saved atomically every `checkpoint_every` epochs (0: only once training
    has ended) and an existing checkpoint is continued from, which gives the same numbers as an
    uninterrupted run; a checkpoint of a finished fit restores the model and history without training.
    `step_mode` 'auto' replays each step as a CUDA graph where that gives eager's numbers (step_graph.py);
    'eager', 'graph' and 'static' (the graph's code path without a graph, for tests) force one way.
    """
    check_fit_arguments(epochs, batch_size, len(x))
    setup = StepSetup(
        model=model, x=x, y=y, opt=optimizer.build(model.parameters()), loss_fn=loss_fn or default_loss(y),
        batch_size=batch_size, classification=not torch.is_floating_point(y),
    )
    gen = generator(seed, x.device)
    result = FitResult(status="completed", epochs=0)
    if checkpoint is not None and checkpoint.exists():
        finished = load_checkpoint(checkpoint, model, setup.opt, gen, result)
        if task is not None:
            task.advance(result.epochs)
        if finished:
            return result
    model.train()
    mode = choose_step_mode(step_mode, model, x.device, optimizer.name, objective is None and on_step is None)
    # Nothing to capture when a checkpoint already holds every epoch.
    static = build_static_step(mode, setup) if result.epochs < epochs else None
    loop = _Loop(setup=setup, gen=gen, objective=objective, on_step=on_step, static=static,
                 on_batch=task.batch if task is not None else None, update=optimizer_step(setup.opt))
    with cpu_threads_for(model, x, batch_size):
        loop.run(result, epochs, on_epoch, task, checkpoint, checkpoint_every)
    if checkpoint is not None:
        save_checkpoint(checkpoint, model, setup.opt, gen, result, finished=True)
    return result


@dataclass(frozen=True, kw_only=True)
class _Loop:
    """Everything the training epochs need beyond the step's own inputs, fixed for the whole fit."""

    setup: StepSetup
    gen: torch.Generator  # the data order
    objective: Objective | None
    on_step: StepCallback | None
    static: StaticStep | None  # the captured (or capturable) step; None trains eagerly
    update: Callable[[], None]  # setup.opt's step (optim.optimizer_step: leaner for a fused Adam)
    on_batch: Callable[[int, int], None] | None = None  # (batches done, batches in the epoch): progress only, no sync

    def run(self, result: FitResult, epochs: int, on_epoch: EpochCallback | None, task: ProgressTask | None,
            checkpoint: Path | None = None, checkpoint_every: int = 1) -> None:
        """Epochs result.epochs+1 .. epochs into `result`, until one diverges or a callback stops the fit."""
        for epoch in range(result.epochs + 1, epochs + 1):
            stats, step_stop = self.epoch(epoch)
            if not math.isfinite(stats.running_loss):
                result.status = "diverged"
                return
            result.history.append(stats)
            result.epochs = epoch
            stop = (on_epoch(stats) if on_epoch is not None else None) or step_stop
            if stop:
                result.status = "stopped"
            # (the last epoch is saved once, after the loop, as finished)
            if checkpoint is not None and checkpoint_every and epoch % checkpoint_every == 0 and not stop and epoch < epochs:
                save_checkpoint(checkpoint, self.setup.model, self.setup.opt, self.gen, result, finished=False)
            if task is not None:
                task.advance(stats=stats)
            if stop:
                return

    def epoch(self, epoch: int) -> tuple[EpochStats, bool]:
        """One pass over the data; returns its stats and whether a step callback asked to stop."""
        s = self.setup
        synchronize(s.x.device)
        started = time.perf_counter()
        batches = batch_indices(len(s.x), s.batch_size, self.gen, s.x.device)
        if self.static is not None:
            return self._static_epoch(epoch, batches, started), False
        # Sums stay on the device: one host sync per epoch, not per step.
        loss_sum = torch.zeros((), device=s.x.device, dtype=torch.float64)
        correct = torch.zeros((), device=s.x.device, dtype=torch.long)
        steps_before = (epoch - 1) * len(batches)
        seen, stop = 0, False
        for step, index in enumerate(batches):
            # index_select gathers rows about 3x faster than advanced indexing on CPU (measured here).
            xb, yb = (s.x, s.y) if index is None else (s.x.index_select(0, index), s.y.index_select(0, index))
            s.opt.zero_grad(set_to_none=True)
            if self.objective is not None:
                loss = self.objective(s.model, xb, yb)
            else:
                out = s.model(xb)
                loss = s.loss_fn(out, yb)
                if s.classification:
                    correct += (out.detach().argmax(1) == yb).sum()
            loss.backward()
            if self.on_step is not None:
                stop = bool(self.on_step(steps_before + step + 1, loss.detach()))
            self.update()
            loss_sum += loss.detach() * len(yb)
            seen += len(yb)
            if self.on_batch is not None:
                self.on_batch(step + 1, len(batches))
            if stop:
                break
        # seen: the whole set unless a step callback stopped the epoch early
        return self._stats(epoch, loss_sum, correct, seen, started), stop

    def _static_epoch(self, epoch: int, batches: list[Tensor | None], started: float) -> EpochStats:
        """The same epoch through the static step: no callbacks run inside it, so it never stops early."""
        static = self.static
        assert static is not None
        static.reset_sums()
        for step, index in enumerate(batches):
            static.run(index)
            if self.on_batch is not None:
                self.on_batch(step + 1, len(batches))
        return self._stats(epoch, static.loss_sum, static.correct, len(self.setup.x), started)

    def _stats(self, epoch: int, loss_sum: Tensor, correct: Tensor, n: int, started: float) -> EpochStats:
        """The epoch's running means from its on-device sums (the one host sync), and its training time."""
        accuracy = float(correct) / n if self.setup.classification and self.objective is None else None
        synchronize(self.setup.x.device)
        return EpochStats(
            epoch=epoch, running_loss=float(loss_sum) / n, running_acc=accuracy, epoch_seconds=time.perf_counter() - started
        )
