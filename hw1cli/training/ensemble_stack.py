"""K plain MLPs run as one: each layer's K weight matrices in one batched matrix product (torch.baddbmm).

A tiny MLP's step costs its Python and dispatch overhead, not its arithmetic (simulate's 571-parameter nets:
about 0.7 ms a step on this CPU, ~1 MFLOP). The CPU loop of ensemble_map.py pays that overhead K times; this
pays it once for all K. Model k's numbers are its own (slice k of every product reads only model k's weights),
but a batched product may round differently from a single model's `addmm`, so a stacked model follows its
separate `fit` only to float tolerance, and over thousands of epochs of chaotic training it can drift further
(tests/test_ensemble_stack.py measures both).
"""

from __future__ import annotations

from collections.abc import Callable

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from hw1cli.training.ensemble_map import Params, RowsPerModel
from hw1cli.training.optim import LossFn

# Layers applied to every element alone: they run on a (K, rows, features) stack unchanged.
ELEMENTWISE = (nn.ReLU, nn.LeakyReLU, nn.Tanh, nn.Sigmoid, nn.Identity)

StackedStep = Callable[[Params, Params, "Tensor | RowsPerModel", "Tensor | RowsPerModel"], tuple[Tensor, Tensor]]


def is_plain_mlp(template: nn.Module) -> bool:
    """An nn.Sequential of Linear layers, elementwise activations and a leading Flatten (models.mlp's nets)."""
    if not isinstance(template, nn.Sequential) or not any(isinstance(m, nn.Linear) for m in template):
        return False
    layers = list(template)
    flatten_ok = all(not isinstance(m, nn.Flatten) or (i == 0 and m.start_dim == 1 and m.end_dim == -1)
                     for i, m in enumerate(layers))
    return flatten_ok and all(isinstance(m, (nn.Linear, nn.Flatten, *ELEMENTWISE)) for m in layers)


def stacked_step(template: nn.Sequential, loss_fn: LossFn, *, shared_x: bool, shared_y: bool,
                 squared_grad_norm: bool = False) -> StackedStep:
    """(per-model losses (K,), outputs (K, rows, out)) of all K models at once, for `fit_ensemble`'s step_all.

    A shared x or y is one tensor for all models ((rows, ...): full batch, or one target for all); otherwise it
    is per model: (K, rows, ...), or the CPU's RowsPerModel, gathered here as one stack.
    `squared_grad_norm`: the value to minimise is each model's ‖∇L‖² instead of its loss (and stands in for the
    outputs). The gradient of the summed losses w.r.t. the stack is each model's own gradient in its slice
    (no model's loss reads another's weights), so slice k of the stacked gradient is model k's ∇L, kept in the
    graph (create_graph) so that the objective can be differentiated again.
    """
    plain = _stacked_losses(template, loss_fn, shared_x=shared_x, shared_y=shared_y)
    if not squared_grad_norm:
        return plain

    def step(params: Params, buffers: Params, xb: Tensor | RowsPerModel, yb: Tensor | RowsPerModel) -> tuple[Tensor, Tensor]:
        losses, _ = plain(params, buffers, xb, yb)
        grads = torch.autograd.grad(losses.sum(), list(params.values()), create_graph=True)
        value = torch.stack([g.square().flatten(1).sum(1) for g in grads]).sum(0)
        return value, value.detach()

    return step


def _stacked_losses(template: nn.Sequential, loss_fn: LossFn, *, shared_x: bool, shared_y: bool) -> StackedStep:
    """stacked_step's forward pass and loss."""
    layers = list(template.named_children())

    def step(params: Params, buffers: Params, xb: Tensor | RowsPerModel, yb: Tensor | RowsPerModel) -> tuple[Tensor, Tensor]:
        size = next(iter(params.values())).shape[0]
        h = xb.stacked() if isinstance(xb, RowsPerModel) else xb
        y = yb.stacked() if isinstance(yb, RowsPerModel) else yb
        shared = shared_x
        for name, layer in layers:
            if isinstance(layer, nn.Flatten):
                h = h.flatten(1) if shared else h.flatten(2)
            elif isinstance(layer, nn.Linear):
                weight, bias = params[f"{name}.weight"], params[f"{name}.bias"]
                if shared:  # the first layer: one input for all K models, expanded without a copy
                    h, shared = h.expand(size, *h.shape), False
                h = torch.baddbmm(bias.unsqueeze(1), h, weight.transpose(1, 2))
            else:
                h = layer(h)
        return per_model_loss(loss_fn, h, y, shared_y), h

    return step


def per_model_loss(loss_fn: LossFn, out: Tensor, y: Tensor, shared_y: bool) -> Tensor:
    """(K,) each model's mean loss on its rows, as loss_fn (mean reduction) gives it for one model."""
    size, rows = out.shape[0], out.shape[1]
    if loss_fn is F.mse_loss:
        return (out - y).square().flatten(1).mean(1)  # a shared y broadcasts over the K models
    if loss_fn is F.cross_entropy:
        labels = y.expand(size, rows) if shared_y else y
        return F.cross_entropy(out.flatten(0, 1), labels.flatten(), reduction="none").view(size, rows).mean(1)
    return torch.stack([loss_fn(out[k], y if shared_y else y[k]) for k in range(size)])
