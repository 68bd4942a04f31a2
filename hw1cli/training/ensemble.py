"""K models of one architecture trained at once: torch.func's stack_module_state + vmap + functional_call.

Each model keeps its own initialisation (its module was built with its own seed) and its own data order (its
own seeded generator, drawn exactly as `fit` draws it), so model k here follows the same trajectory as
`fit(model_k, seed=seeds[k])`. The optimizers are the ones `OptimizerSpec` builds, applied to the stacked
(K, ...) parameters: Adam, SGD (momentum, Nesterov) and RMSprop are elementwise and the summed loss gives
slice k exactly model k's gradient, so one optimizer over the stack equals K separate optimizers
(tests/test_ensemble.py checks it to 1e-6 in float64).

Models stop being updated ("frozen") when their loss becomes non-finite (status "diverged"), when `on_step`
flags them before an update, or when `on_epoch` returns a per-model mask; frozen slices are restored after
every optimizer step, so momentum cannot move them.
"""

from __future__ import annotations

import copy
import math
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field

import torch
from torch import Tensor, nn
from torch.func import functional_call, grad, stack_module_state

from hw1cli.errors import UsageError
from hw1cli.progress import ProgressTask
from hw1cli.runtime import SINGLE_THREAD_WORK, generator, multiply_adds, single_thread, synchronize
from hw1cli.training.batches import check_fit_arguments
from hw1cli.training.ensemble_map import Params, map_models
from hw1cli.training.ensemble_run import EnsembleRun, WorkingSet
from hw1cli.training.ensemble_stack import is_plain_mlp, stacked_step
from hw1cli.training.optim import LossFn, OptimizerSpec, default_loss
from hw1cli.training.results import EpochStats

# What to minimise instead of the loss: given one model's loss as a function of its parameters (the batch
# is bound) and those parameters, return a scalar. Called per model inside vmap, so use torch.func, e.g.
# `squared_grad_norm`.
EnsembleObjective = Callable[[Callable[[Params], Tensor], Params], Tensor]
# (epoch, stats of the models that trained this epoch, indexed by model) -> True stops all, a K-long bool
# sequence freezes the flagged models, None/False goes on.
EnsembleEpochCallback = Callable[[int, Mapping[int, EpochStats]], "bool | Sequence[bool] | None"]
# (iteration, per-model objective (K,) after backward, before the update) -> optional (K,) bool tensor of
# models to freeze *before* this update. A device tensor, so checking it costs no host sync.
EnsembleStepCallback = Callable[[int, Tensor], "Tensor | None"]


@dataclass
class Ensemble:
    """K models' parameters stacked along a new first dimension, and the architecture to call them with."""

    template: nn.Module  # the architecture on the 'meta' device: it holds no numbers, `params` do
    params: Params  # name -> (K, *shape) leaf tensors that require grad
    buffers: Params  # name -> (K, *shape)
    _host: nn.Module | None = field(default=None, repr=False)  # a real copy for call_in_place
    _host_device: torch.device | None = field(default=None, repr=False)
    _slots: dict[str, tuple[nn.Module, str, str]] = field(default_factory=dict, repr=False)

    @classmethod
    def of(cls, models: Sequence[nn.Module]) -> Ensemble:
        if not models:
            raise UsageError("an ensemble needs at least one model")
        if any(isinstance(m, nn.modules.batchnorm._BatchNorm) for m in models[0].modules()):
            # Running-statistics updates are in-place writes, which vmap cannot batch.
            raise UsageError("ensembles support models without BatchNorm layers")
        params, buffers = stack_module_state(list(models))
        return cls(copy.deepcopy(models[0]).to("meta"), params, buffers)

    @property
    def size(self) -> int:
        return next(iter(self.params.values())).shape[0]

    def call(self, params: Params, buffers: Params, x: Tensor) -> Tensor:
        """One model's forward pass with the given (unstacked) parameters: the function vmap batches."""
        return functional_call(self.template, (params, buffers), (x,))

    def call_in_place(self, params: Params, buffers: Params, x: Tensor) -> Tensor:
        """The same forward pass for the CPU loop (no vmap, no function transform around it): the tensors are
        put straight into a real copy of the module. functional_call's swapping cost 330 us a call for pca's
        3-layer MLP, a third of its forward pass (measured here)."""
        if self._host is None or self._host_device != x.device:
            self._host = copy.deepcopy(self.template).to_empty(device=x.device)
            self._host_device = x.device
            self._slots = {name: _owner(self._host, name) for name in [*params, *buffers]}
        for name, tensor in (*params.items(), *buffers.items()):
            module, kind, attr = self._slots[name]
            getattr(module, kind)[attr] = tensor  # bypasses Module.__setattr__, which wants nn.Parameter
        return self._host(x)

    def flat(self, names: Sequence[str] | None = None) -> Tensor:
        """(K, P): each model's parameters (or only `names`) as one vector, in module order."""
        chosen = names if names is not None else list(self.params)
        return torch.cat([self.params[n].detach().reshape(self.size, -1) for n in chosen], dim=1)

    def modules(self) -> list[nn.Module]:
        """K ordinary modules holding copies of the stacked parameters (e.g. to save or inspect one)."""
        device = next(iter(self.params.values())).device
        out = []
        for k in range(self.size):
            module = copy.deepcopy(self.template).to_empty(device=device)
            state = {n: t[k].detach().clone() for n, t in {**self.params, **self.buffers}.items()}
            module.load_state_dict(state)
            out.append(module)
        return out


@dataclass
class EnsembleResult:
    ensemble: Ensemble  # the trained parameters (the same tensors that were passed in, updated in place)
    # per model: completed | stopped (frozen by a callback) | diverged (non-finite loss) | frozen (on entry)
    status: list[str]
    epochs: int  # epochs run (the longest-training model's)
    steps: list[int]  # optimizer updates each model received
    history: list[list[EpochStats]] = field(default_factory=list)  # per model, its epochs


def squared_grad_norm(loss_of: Callable[[Params], Tensor], params: Params) -> Tensor:
    """‖∇L‖² of one model's loss: the objective that walks towards critical points (minima and saddles)."""
    grads = grad(loss_of)(params)
    return sum((g**2).sum() for g in grads.values())


def fit_ensemble(
    models: Sequence[nn.Module] | Ensemble,
    x: Tensor,
    y: Tensor,
    *,
    optimizer: OptimizerSpec,
    epochs: int,
    seeds: Sequence[int],
    batch_size: int | None = None,
    loss_fn: LossFn | None = None,
    objective: EnsembleObjective | None = None,
    on_epoch: EnsembleEpochCallback | None = None,
    on_step: EnsembleStepCallback | None = None,
    frozen: Sequence[bool] | None = None,
    task: ProgressTask | None = None,
    stacked: bool = False,
    targets_per_model: bool = False,
) -> EnsembleResult:
    """Train K models on the same (x, y), model k with data order seeds[k]; like K calls of `fit`.

    `models` may be an Ensemble from an earlier call (a second phase with a new optimizer); `frozen` marks
    models that must stay as they are (e.g. those that diverged before). batch_size None is full batch.
    `stacked` runs plain MLPs as one batched product per layer (ensemble_stack.py: far faster for tiny nets,
    equal to separate fits only to float rounding), with the loss or the `squared_grad_norm` objective.
    `targets_per_model`: y is (K, rows, ...), model k fits y[k] (full batch only).
    """
    ens = models if isinstance(models, Ensemble) else Ensemble.of(models)
    K = ens.size
    if len(seeds) != K:
        raise UsageError(f"{K} models need {K} seeds, got {len(seeds)}")
    check_fit_arguments(epochs, batch_size, len(x))
    loss_fn = loss_fn or default_loss(y)
    device = x.device
    full_batch = batch_size is None or batch_size >= len(x)  # then no model has its own rows: x, y are shared
    if targets_per_model and (not full_batch or len(y) != K):
        raise UsageError(f"targets per model need full-batch training and y of {K} rows of targets")
    if stacked and (objective not in (None, squared_grad_norm) or not is_plain_mlp(ens.template)):
        raise UsageError("stacked training takes plain MLPs (Linear layers, elementwise activations) and the loss "
                         "or squared_grad_norm")
    dims = (0, 0, None, 0 if targets_per_model else None) if full_batch else (0, 0, 0, 0)
    step_all = (stacked_step(ens.template, loss_fn, shared_x=full_batch, shared_y=full_batch and not targets_per_model,
                             squared_grad_norm=objective is squared_grad_norm)
                if stacked else map_models(_step_function(ens, loss_fn, objective, device), dims, device))
    run = EnsembleRun(
        x=x, y=y, batch_size=batch_size, on_step=on_step, size=K,
        classification=not torch.is_floating_point(y) and objective is None,
        work=WorkingSet(ens, optimizer, [generator(s, device) for s in seeds]),
        step_all=step_all,  # built once per fit
        frozen=torch.tensor(list(frozen) if frozen is not None else [False] * K, device=device),
        steps=torch.zeros(K, dtype=torch.long, device=device),
    )
    result = EnsembleResult(ens, ["frozen" if f else "completed" for f in run.frozen.tolist()], 0, [0] * K,
                            [[] for _ in range(K)])
    # A stack of tiny nets is tiny work too: one thread, as `fit` gives one such net (runtime.cpu_threads_for);
    # the template holds no numbers, so it is counted on a 'meta' sample.
    one_thread = (stacked and device.type == "cpu"
                  and multiply_adds(ens.template, x[:1].to("meta")) * len(x) * K < SINGLE_THREAD_WORK)
    with single_thread(one_thread):
        _epochs(run, result, epochs, y if targets_per_model else None, on_epoch, task)
    run.work.write_back()
    result.steps = run.steps.tolist()
    return result


def _epochs(run: EnsembleRun, result: EnsembleResult, epochs: int, targets: Tensor | None,
            on_epoch: EnsembleEpochCallback | None, task: ProgressTask | None) -> None:
    """fit_ensemble's epochs, until all models are frozen, a callback stops them all, or `epochs`."""
    K, x, device = run.size, run.x, run.x.device
    for epoch in range(1, epochs + 1):
        active = (~run.frozen).tolist()  # host sync: once per epoch
        live = [i for i, k in enumerate(run.work.ids) if active[k]]
        if not live:
            break
        if len(live) <= len(run.work.ids) // 2:
            run.work.shrink(live)  # finished models stop costing compute
            if targets is not None:
                run.y = targets[run.work.index]  # each working model keeps its own targets
        synchronize(device)
        started = time.perf_counter()
        # can a working model be frozen this epoch?
        loss_sum, correct = run.epoch_pass(keep=run.on_step is not None or len(live) < len(run.work.ids))
        synchronize(device)
        result.epochs = epoch
        epoch_stats = _record(result, epoch, active, run.per_model(loss_sum / len(x), float("nan")),
                              run.per_model(correct, 0) if run.classification else None, len(x),
                              time.perf_counter() - started)
        if any(s == "diverged" for s in result.status):
            run.frozen = run.frozen | torch.tensor([s == "diverged" for s in result.status], device=device)
        if run.on_step is not None:  # it may have frozen models during the epoch
            _mark_stopped(result, run.frozen.tolist())
        if task is not None:
            task.advance()
        if on_epoch is not None:
            run.work.write_back()  # callbacks read ens.params: after a shrink the live values are in the work set
        decision = on_epoch(epoch, epoch_stats) if on_epoch is not None else None
        if decision is True:
            _mark_stopped(result, [True] * K)
            break
        if decision not in (None, False):
            flags = list(decision)  # type: ignore[arg-type]
            _mark_stopped(result, flags)
            run.frozen = run.frozen | torch.tensor(flags, device=device)


def _owner(module: nn.Module, name: str) -> tuple[nn.Module, str, str]:
    """(submodule, '_parameters' or '_buffers', attribute) that holds the tensor called `name`."""
    *path, attr = name.split(".")
    owner = module.get_submodule(".".join(path)) if path else module
    return owner, ("_parameters" if attr in owner._parameters else "_buffers"), attr


def _step_function(
    ens: Ensemble, loss_fn: LossFn, objective: EnsembleObjective | None, device: torch.device
) -> Callable[..., tuple[Tensor, Tensor]]:
    """One model's (value to minimise, outputs) on its batch; vmap runs it for all K at once."""
    forward = ens.call_in_place if device.type == "cpu" else ens.call

    def step(params: Params, buffers: Params, xb: Tensor, yb: Tensor) -> tuple[Tensor, Tensor]:
        if objective is None:
            out = forward(params, buffers, xb)
            return loss_fn(out, yb), out
        value = objective(lambda p: loss_fn(ens.call(p, buffers, xb), yb), params)
        return value, value.detach()  # no outputs: accuracy is not defined for an objective

    return step


def _record(
    result: EnsembleResult, epoch: int, active: list[bool], mean_loss: Tensor, correct: Tensor | None, n: int,
    seconds: float,
) -> dict[int, EpochStats]:
    """Append this epoch's stats of the models that trained; a non-finite loss marks a model diverged.
    `correct` is None where accuracy is not defined (regression, objectives)."""
    losses = mean_loss.tolist()
    hits = correct.tolist() if correct is not None else None
    stats: dict[int, EpochStats] = {}
    for k, trained in enumerate(active):
        if not trained:
            continue
        if not math.isfinite(losses[k]):
            result.status[k] = "diverged"
            continue
        stats[k] = EpochStats(
            epoch=epoch, running_loss=losses[k], running_acc=hits[k] / n if hits is not None else None, epoch_seconds=seconds
        )
        result.history[k].append(stats[k])
    return stats


def _mark_stopped(result: EnsembleResult, flags: Sequence[bool]) -> None:
    for k, flag in enumerate(flags):
        if flag and result.status[k] == "completed":
            result.status[k] = "stopped"
