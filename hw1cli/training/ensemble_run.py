"""The moving parts of one `fit_ensemble`: the working set of models still training, and a pass over the data."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

import torch
from torch import Tensor

from hw1cli.training.ensemble_map import model_batches, model_orders
from hw1cli.training.optim import OptimizerSpec, optimizer_step

if TYPE_CHECKING:
    from hw1cli.training.ensemble import Ensemble, EnsembleStepCallback


@dataclass(kw_only=True)
class EnsembleRun:
    """What one `fit_ensemble` carries from batch to batch and epoch to epoch."""

    x: Tensor
    y: Tensor
    batch_size: int | None
    on_step: EnsembleStepCallback | None
    size: int  # K, the models in the ensemble (frozen ones included)
    classification: bool
    work: WorkingSet
    step_all: Callable[..., tuple[Tensor, Tensor]]
    frozen: Tensor  # (K,) bool: models that take no more steps
    steps: Tensor  # (K,) updates each model received
    iteration: int = 0  # minibatch steps so far, over all epochs

    def epoch_pass(self, *, keep: bool) -> tuple[Tensor, Tensor]:
        """One pass over the data for the working models: (loss sums weighted by batch size, correct counts)."""
        work, device = self.work, self.x.device
        loss_sum = torch.zeros(len(work.ids), dtype=torch.float64, device=device)
        correct = torch.zeros(len(work.ids), dtype=torch.long, device=device)
        for index in model_orders(len(self.x), self.batch_size, work.gens, device):
            self.iteration += 1
            xb, yb = model_batches(self.x, self.y, index)
            work.opt.zero_grad(set_to_none=True)
            losses, outputs = self.step_all(work.params, work.buffers, xb, yb)
            losses.sum().backward()
            if self.on_step is not None:
                values = torch.full((self.size,), float("nan"), dtype=losses.dtype, device=device)
                values[work.index] = losses.detach()
                flagged = self.on_step(self.iteration, values)
                if flagged is not None:
                    self.frozen = self.frozen | flagged.to(device=device, dtype=torch.bool)
            if keep:
                work_frozen = self.frozen[work.index]
                guarded_step(work.update, list(work.params.values()), work_frozen)
                self.steps[work.index] += (~work_frozen).long()
            else:  # no model can be frozen: every working model steps
                work.update()
                self.steps[work.index] += 1
            loss_sum += losses.detach().double() * (len(self.x) if index is None else index.shape[1])
            if self.classification:
                labels = yb if isinstance(yb, Tensor) else yb.stacked()
                correct += (outputs.detach().argmax(-1) == labels).sum(-1)
        return loss_sum, correct

    def per_model(self, values: Tensor, fill: float) -> Tensor:
        """The working models' values scattered into a (K,) tensor, `fill` for the others."""
        if len(self.work.ids) == self.size:  # not shrunk: working order is model order
            return values
        whole = torch.full((self.size,), fill, dtype=values.dtype, device=values.device)
        whole[self.work.index] = values
        return whole


class WorkingSet:
    """The models still training, as a compact stack of their own slices, so that finished ones cost nothing.

    Shrinking moves each remaining model's parameters, optimizer state and data-order generator along, so
    the numbers are those of an uncompacted run. Every per-element optimizer state (Adam's moments, momentum
    buffers) has the parameter's (K, ...) shape and is sliced; scalars such as Adam's step count are kept.
    """

    def __init__(self, ens: Ensemble, spec: OptimizerSpec, gens: list[torch.Generator]) -> None:
        self.ens, self.spec, self.gens = ens, spec, gens
        self.ids = list(range(ens.size))  # global model ids, in working order
        self.index = torch.arange(ens.size, device=next(iter(ens.params.values())).device)
        self.params, self.buffers = ens.params, ens.buffers  # the stack itself until the first shrink
        self.opt = spec.build(list(self.params.values()))
        self.update = optimizer_step(self.opt)  # opt.step, leaner for a fused Adam

    def shrink(self, keep: list[int]) -> None:
        """Keep only positions `keep` of the working set."""
        self.write_back()
        pos = torch.tensor(keep, device=self.index.device)
        params = {n: p.detach()[pos].clone().requires_grad_(True) for n, p in self.params.items()}
        opt = self.spec.build(list(params.values()))
        for old, new in zip(self.params.values(), params.values()):
            state = self.opt.state.get(old, {})
            opt.state[new] = {k: v[pos].clone() if torch.is_tensor(v) and v.shape == old.shape else v for k, v in state.items()}
        self.params, self.opt, self.update = params, opt, optimizer_step(opt)
        self.buffers = {n: b[pos] for n, b in self.buffers.items()}
        self.ids = [self.ids[i] for i in keep]
        self.gens = [self.gens[i] for i in keep]
        self.index = self.index[pos]

    def write_back(self) -> None:
        """Copy the working slices into the full stack (which the caller holds)."""
        if self.params is not self.ens.params:  # shrunk: the live values are copies
            with torch.no_grad():
                for name, p in self.params.items():
                    self.ens.params[name][self.index] = p.detach()


def guarded_step(update: Callable[[], None], params: list[Tensor], frozen: Tensor) -> None:
    """The optimizer's step, then frozen models' slices put back."""
    before = [p.detach().clone() for p in params]
    update()
    with torch.no_grad():
        for p, old in zip(params, before):
            p.copy_(torch.where(frozen.view(-1, *[1] * (p.dim() - 1)), old, p))
