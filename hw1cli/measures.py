"""Quantities measured on trained models: gradient norms, and (added per experiment) curvature and flatness."""

from __future__ import annotations

import warnings
from collections.abc import Callable, Mapping, Sequence

import torch
from torch import Tensor, nn
from torch.func import functional_call, jacrev, vmap

from hw1cli.training import LossFn, default_loss, evaluate


def global_grad_norm(model: nn.Module) -> Tensor:
    """L2 norm of all parameters' current .grad, concatenated (a 0-d tensor; no host sync)."""
    grads = [p.grad for p in model.parameters() if p.grad is not None]
    if not grads:
        return torch.zeros(())
    return torch.linalg.vector_norm(torch.stack([torch.linalg.vector_norm(g) for g in grads]))


def full_loss_and_grad_norm(model: nn.Module, x: Tensor, y: Tensor, batch_size: int = 1000) -> tuple[Tensor, Tensor]:
    """The mean loss over all of (x, y) and the L2 norm of its gradient w.r.t. every parameter, in eval mode
    (BatchNorm uses its running statistics and is not updated); .grad and the model's mode are left as they were."""
    was_training = model.training
    model.eval()
    try:
        params = [p for p in model.parameters() if p.requires_grad]
        loss, grads = _loss_and_grads(model, params, x, y, default_loss(y), batch_size)
    finally:
        model.train(was_training)
    return loss, torch.linalg.vector_norm(torch.stack([torch.linalg.vector_norm(g) for g in grads]))


# -- flatness: interpolation between solutions, input sensitivity, sharpness ------------------------------


def parameter_state(model: nn.Module) -> dict[str, Tensor]:
    """A detached copy of the model's state (parameters and buffers), the θ that interpolation works on."""
    return {name: value.detach().clone() for name, value in model.state_dict().items()}


def interpolate_params(theta_a: Mapping[str, Tensor], theta_b: Mapping[str, Tensor], alpha: float) -> dict[str, Tensor]:
    """θ(α) = (1−α)·θ_A + α·θ_B entry by entry; α=0 gives θ_A and α=1 gives θ_B bit for bit.

    Integer buffers (BatchNorm's batch counter) cannot be interpolated and are taken from A.
    """
    if theta_a.keys() != theta_b.keys():
        raise ValueError("the two states belong to different architectures (their entries differ)")
    return {
        name: (1 - alpha) * a + alpha * theta_b[name] if torch.is_floating_point(a) else a.clone()
        for name, a in theta_a.items()
    }


def evaluate_line(
    model: nn.Module,
    theta_a: Mapping[str, Tensor],
    theta_b: Mapping[str, Tensor],
    alphas: Sequence[float],
    sets: Mapping[str, tuple[Tensor, Tensor]],
) -> list[dict[str, float]]:
    """Loss and accuracy of θ(α) on every named set, one row per α: {alpha, <set>_loss, <set>_acc, ...}.

    `model` is only a vessel of the right architecture: each θ(α) is loaded into it in turn, so it is left
    holding the last one; keep a copy of any state you need afterwards (`parameter_state`).
    """
    rows: list[dict[str, float]] = []
    for alpha in alphas:
        model.load_state_dict(interpolate_params(theta_a, theta_b, alpha))
        row: dict[str, float] = {"alpha": alpha}
        for name, (x, y) in sets.items():
            loss, acc = evaluate(model, x, y)
            row[f"{name}_loss"], row[f"{name}_acc"] = loss, acc if acc is not None else float("nan")
        rows.append(row)
    return rows


def sensitivity(model: nn.Module, x: Tensor, batch_size: int = 1000) -> float:
    """Mean over the points of ‖∂softmax(f(x))/∂x‖_F (Novak et al. 2018), in eval mode.

    Per batch, vmap(jacrev) gives every point's full Jacobian at once, shape (B, classes, *input): no Python
    loop over examples. Batches of 1000 keep that tensor near 31 MB for MNIST (1000·10·784 floats).
    """
    if len(x) == 0:
        raise ValueError("sensitivity needs at least one input point")
    was_training = model.training
    model.eval()
    params = {k: v.detach() for k, v in model.named_parameters()}
    buffers = {k: v.detach() for k, v in model.named_buffers()}

    def probabilities(point: Tensor) -> Tensor:
        # One point (C, H, W) -> its class probabilities (K,); the model sees a batch of one.
        return torch.softmax(functional_call(model, (params, buffers), (point.unsqueeze(0),)), dim=-1).squeeze(0)

    jacobian = vmap(jacrev(probabilities))
    total = torch.zeros((), dtype=torch.float64, device=x.device)
    try:
        for start in range(0, len(x), batch_size):
            jac = jacobian(x[start : start + batch_size])
            total += torch.linalg.vector_norm(jac.flatten(1), dim=1).double().sum()
    finally:
        model.train(was_training)
    return float(total) / len(x)  # the one host sync


def _loss_and_grads(
    model: nn.Module, params: list[Tensor], x: Tensor, y: Tensor, loss_fn: LossFn, batch_size: int
) -> tuple[Tensor, list[Tensor]]:
    """Mean loss over the whole set and its gradient w.r.t. `params`, accumulated in chunks (.grad untouched)."""
    loss_sum = torch.zeros((), dtype=torch.float64, device=x.device)
    grads = [torch.zeros_like(p) for p in params]
    for start in range(0, len(x), batch_size):
        xb, yb = x[start : start + batch_size], y[start : start + batch_size]
        loss = loss_fn(model(xb), yb) * (len(yb) / len(x))  # weight by chunk size: the mean over the set
        for total, g in zip(grads, torch.autograd.grad(loss, params, allow_unused=True)):
            if g is not None:
                total += g
        loss_sum += loss.detach().double()
    return loss_sum, grads


def sharpness(
    model: nn.Module,
    x: Tensor,
    y: Tensor,
    loss_fn: LossFn | None = None,
    epsilon: float = 1e-3,
    steps: int = 20,
    batch_size: int = 8192,
) -> float:
    """Keskar et al. (2017) sharpness on the paper's scale: 100 · (max_δ L(θ+δ) − L(θ)) / (1 + L(θ)) over the
    box |δ_i| ≤ ε(|θ_i|+1), i.e. the loss rise in percent of 1 + L(θ), so it sits beside the paper's table
    (F1: 1.23 small batch vs 205.14 large batch). The full parameter space is used (A = I).

    The max is found by projected sign-gradient ascent, the box's own geometry: step k of n moves every
    coordinate by r·(1 − (k−1)/n) (r its box half-width) in the sign of its gradient, then clamps to the box.
    The first step lands on the vertex that maximises the linearised loss (in a box this small the loss is
    nearly linear, so the max sits at or near a vertex); the shrinking steps then settle coordinates whose
    maximum lies inside the box. Measured on MNIST MLPs, 20 steps came within 0.2% of 40 steps (10 steps: 1-8%
    low); 2r/(k+1) and constant r/4 steps were slower. The best loss seen is kept, so the result is >= 0. The
    loss is on the whole (x, y) in eval mode; the model's parameters and mode are restored afterwards.
    """
    if epsilon <= 0 or steps < 1:
        raise ValueError(f"sharpness needs epsilon > 0 and steps >= 1, got {epsilon} and {steps}")
    loss_fn = loss_fn or default_loss(y)
    params = [p for p in model.parameters() if p.requires_grad]
    theta = [p.detach().clone() for p in params]
    radius = [epsilon * (t.abs() + 1) for t in theta]
    delta = [torch.zeros_like(t) for t in theta]
    was_training = model.training
    model.eval()
    try:
        base, grads = _loss_and_grads(model, params, x, y, loss_fn, batch_size)
        best = base.clone()
        for k in range(1, steps + 1):
            with torch.no_grad():
                for p, t, d, r, g in zip(params, theta, delta, radius, grads):
                    d.add_(g.sign() * r * (1 - (k - 1) / steps))
                    torch.minimum(torch.maximum(d, -r), r, out=d)
                    p.copy_(t + d)
            loss, grads = _loss_and_grads(model, params, x, y, loss_fn, batch_size)
            best = torch.maximum(best, loss)
    finally:
        with torch.no_grad():
            for p, t in zip(params, theta):
                p.copy_(t)
        model.train(was_training)
    base_value, best_value = float(base), float(best)
    return 100 * (best_value - base_value) / (1 + base_value)


# -- curvature: the exact Hessian of the full-data loss and the minimal ratio -----------------------------


def flat_loss(
    model: nn.Module, x: Tensor, y: Tensor, loss_fn: LossFn | None = None
) -> tuple[Callable[[Tensor, Mapping[str, Tensor]], Tensor], Tensor]:
    """The loss over all of (x, y) as a function of (one flat parameter vector, buffers), and the model's
    current vector. The vector holds every parameter in module order, so its Hessian is w.r.t. all of them.
    `model` only supplies the architecture (it may live on the 'meta' device)."""
    loss_fn = loss_fn or default_loss(y)
    named = dict(model.named_parameters())
    shapes = [p.shape for p in named.values()]
    sizes = [p.numel() for p in named.values()]

    def loss_of(flat: Tensor, buffers: Mapping[str, Tensor]) -> Tensor:
        pieces = torch.split(flat, sizes)
        params = {name: piece.view(shape) for name, piece, shape in zip(named, pieces, shapes)}
        return loss_fn(functional_call(model, (params, dict(buffers)), (x,)), y)

    current = torch.cat([p.detach().reshape(-1) for p in named.values()])
    return loss_of, current


def exact_hessian(fn: Callable[[Tensor], Tensor], flat: Tensor) -> Tensor:
    """(P, P) Hessian of a scalar function of a vector, exactly (forward-over-reverse), symmetrised."""
    with warnings.catch_warnings():
        # torch's first forward-mode call scripts its jvp decompositions and warns that jit.script is
        # deprecated: torch's own business, not the user's, so keep it out of the command's output.
        warnings.filterwarnings("ignore", message=".*torch.jit.script.*", category=FutureWarning)
        h = torch.func.hessian(fn)(flat)
    return (h + h.mT) / 2  # exact in theory; averaging removes round-off asymmetry before eigvalsh


def hessian(model: nn.Module, x: Tensor, y: Tensor, loss_fn: LossFn | None = None) -> Tensor:
    """(P, P) Hessian of the mean loss over all of (x, y) w.r.t. all parameters, in eval mode.

    Not the Hessian of one sample's loss, and not a random-perturbation proxy: the definition itself.
    """
    was_training = model.training
    model.eval()
    try:
        loss_of, flat = flat_loss(model, x, y, loss_fn)
        buffers = {name: b.detach() for name, b in model.named_buffers()}
        return exact_hessian(lambda v: loss_of(v, buffers), flat)
    finally:
        model.train(was_training)


def stacked_hessians(
    template: nn.Module,
    params: Mapping[str, Tensor],
    buffers: Mapping[str, Tensor],
    x: Tensor,
    y: Tensor,
    loss_fn: LossFn | None = None,
    chunk_size: int | None = 16,
) -> Tensor:
    """(K, P, P): `hessian` for K models stacked as (K, ...) tensors (an ensemble), batched with vmap.

    chunk_size models at a time bound the memory: forward-over-reverse carries P tangents through every
    activation, i.e. chunk·P·N·width numbers (16·141·300·10 doubles ≈ 54 MB for minratio's nets).
    """
    was_training = template.training
    template.eval()
    try:
        loss_of, _ = flat_loss(template, x, y, loss_fn)
        flat, frozen_buffers = _stack_inputs(params, buffers)

        def one(v: Tensor, b: dict[str, Tensor]) -> Tensor:
            return exact_hessian(lambda w: loss_of(w, b), v)

        return vmap(one, chunk_size=chunk_size)(flat, frozen_buffers)
    finally:
        template.train(was_training)


def stacked_loss_and_grad_norm(
    template: nn.Module, params: Mapping[str, Tensor], buffers: Mapping[str, Tensor], x: Tensor, y: Tensor,
    loss_fn: LossFn | None = None,
) -> tuple[Tensor, Tensor]:
    """Per model of a (K, ...) stack: the loss over all of (x, y) and the L2 norm of its full gradient, (K,) each."""
    loss_of, _ = flat_loss(template, x, y, loss_fn)
    flat, frozen_buffers = _stack_inputs(params, buffers)

    def one(v: Tensor, b: Mapping[str, Tensor]) -> tuple[Tensor, Tensor]:
        gradient, loss = torch.func.grad_and_value(lambda w: loss_of(w, b))(v)
        return loss, torch.linalg.vector_norm(gradient)

    return vmap(one)(flat, frozen_buffers)


def _stack_inputs(params: Mapping[str, Tensor], buffers: Mapping[str, Tensor]) -> tuple[Tensor, dict[str, Tensor]]:
    """What vmap maps over for a (K, ...) stack: each model's parameters as one row of (K, P), in module
    order (as flat_loss unflattens them), and the buffers, detached."""
    k = next(iter(params.values())).shape[0]
    flat = torch.cat([p.detach().reshape(k, -1) for p in params.values()], dim=1)
    return flat, {name: b.detach() for name, b in buffers.items()}


def minimal_ratio(eigenvalues: Tensor, rel_tol: float = 0.0) -> Tensor:
    """Fraction of Hessian eigenvalues > 0 along the last dimension: 1 at a strict minimum, less at a saddle.

    With rel_tol > 0, eigenvalues with |λ| <= rel_tol·max|λ| count as zero (not positive): at near-critical
    points of small nets most eigenvalues are tiny, and this shows how much of the strict ratio they decide.
    """
    scale = eigenvalues.abs().amax(-1, keepdim=True)
    return (eigenvalues > rel_tol * scale).double().mean(-1)
