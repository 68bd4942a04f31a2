"""The CUDA fast path for small nets: one training step captured as a CUDA graph and replayed.

A small MLP's step is a few dozen tiny kernels; launched one by one from Python they cost far more than the
arithmetic. Captured once as a CUDA graph (gather the batch by a static index buffer, forward, loss,
backward, fused optimizer update, running sums), each later step is one index copy and one replay. The
kernels are the ones eager mode runs, on the same numbers, so results match eager training (to round-off
on a GPU, where cuDNN and cuBLAS may pick other algorithms from run to run even in eager mode).

`StaticStep` holds that step. With `capture=False` it runs the very same function on the same fixed
buffers without a graph: that is how the CPU tests check everything around the capture (the warm-up and
its undoing, the smaller last batch, the running sums) against plain eager training, bit for bit.
"""

from __future__ import annotations

import contextlib
import os
import warnings

import torch
from torch import Tensor, nn

from hw1cli.training.batches import StepSetup

STEP_MODES = ("auto", "eager", "static", "graph")
WARMUP_STEPS = 3  # the CUDA graphs guide warms up on a side stream (cuBLAS handles, optimizer state)
DISABLE_ENV = "HW1_CUDA_GRAPHS"  # HW1_CUDA_GRAPHS=0 turns the fast path off (a fallback, and for timing)


def choose_step_mode(
    mode: str, model: nn.Module, device: torch.device, optimizer: str, plain_loss: bool
) -> str:
    """Resolve 'auto': a CUDA graph where replaying it gives eager's numbers, eager everywhere else.

    Not graphed: CPU (no per-launch cost to save), step callbacks and objectives (they run Python between
    backward and update), RMSprop (no fused kernel), and dropout (graph-safe random numbers are a
    different stream from eager's, so the masks would differ).
    """
    if mode not in STEP_MODES:
        raise ValueError(f"step_mode must be one of {', '.join(STEP_MODES)}, not {mode!r}")
    if mode not in ("auto", "eager") and not plain_loss:
        raise ValueError(f"step_mode {mode!r} runs no Python inside a step: it cannot take an objective or on_step")
    if mode == "graph" and device.type != "cuda":
        # CPU work inside a capture simply runs once and records nothing: every replay would be a no-op.
        raise ValueError(f"step_mode 'graph' needs CUDA tensors, not {device.type}")
    if mode != "auto":
        return mode
    if device.type != "cuda" or os.environ.get(DISABLE_ENV, "1") == "0":
        return "eager"
    stochastic = any(isinstance(m, nn.modules.dropout._DropoutNd) for m in model.modules())
    if not plain_loss or optimizer not in ("adam", "sgd") or stochastic:
        return "eager"
    return "graph"


class StaticStep:
    """One full-size minibatch step on fixed tensors, replayed as a CUDA graph (capture=True) or called."""

    def __init__(self, *, setup: StepSetup, capture: bool, start: Snapshot) -> None:
        """Warm up on `setup`, put everything back as `start` holds it, and (with `capture`) record the graph."""
        self.setup = setup
        x = setup.x
        full_batch = setup.batch_size is None or setup.batch_size >= len(x)
        self.rows = len(x) if full_batch else int(setup.batch_size)  # type: ignore[arg-type]
        # Full batch needs no gather; otherwise the graph reads its rows through this buffer.
        self.index = None if full_batch else torch.arange(self.rows, device=x.device)
        self.loss_sum = torch.zeros((), device=x.device, dtype=torch.float64)
        self.correct = torch.zeros((), device=x.device, dtype=torch.long)
        self.graph: torch.cuda.CUDAGraph | None = None
        self._warm_up(capture, start)
        if capture:
            self._capture()

    def reset_sums(self) -> None:
        self.loss_sum.zero_()
        self.correct.zero_()

    def run(self, index: Tensor | None) -> None:
        """One optimizer step on the rows `index` (None: all rows); adds to the running sums."""
        if index is None or len(index) == self.rows:
            if self.index is not None and index is not None:
                self.index.copy_(index)
            if self.graph is not None:
                self.graph.replay()
                return
            self.setup.opt.zero_grad(set_to_none=False)
            self._step(self.index)
            return
        # The epoch's smaller last batch has another shape: run it eagerly into the same gradients and sums.
        # Zeroing in place (not set_to_none) keeps the graph's gradient tensors where the graph wrote them.
        self.setup.opt.zero_grad(set_to_none=False)
        self._step(index)

    def _step(self, index: Tensor | None) -> None:
        """What is captured: gather, forward, loss, backward, update, running loss and accuracy sums."""
        s = self.setup
        xb, yb = (s.x, s.y) if index is None else (s.x.index_select(0, index), s.y.index_select(0, index))
        out = s.model(xb)
        loss = s.loss_fn(out, yb)
        loss.backward()
        s.opt.step()
        self.loss_sum += loss.detach() * len(yb)
        if s.classification:
            self.correct += (out.detach().argmax(1) == yb).sum()

    def _warm_up(self, on_side_stream: bool, start: Snapshot) -> None:
        """Run a few real steps (they create the optimizer state and gradient tensors the graph will use),
        then put parameters, buffers and optimizer state back as they were (`start`), so training starts
        untouched."""
        stream = torch.cuda.Stream(device=self.setup.x.device) if on_side_stream else None
        if stream is not None:
            stream.wait_stream(torch.cuda.current_stream())
        try:
            with torch.cuda.stream(stream) if stream is not None else contextlib.nullcontext():
                for _ in range(WARMUP_STEPS):
                    self.setup.opt.zero_grad(set_to_none=True)
                    self._step(self.index)
        finally:  # also on an error: the fallback's restore must not race the side stream
            if stream is not None:
                torch.cuda.current_stream().wait_stream(stream)
        _undo_warm_up(self.setup.model, self.setup.opt, start)
        self.reset_sums()

    def _capture(self) -> None:
        graph = torch.cuda.CUDAGraph()
        # Adam refuses capture unless its groups say capturable. The fused kernels ignore the flag otherwise
        # (their step counts live on the device anyway); it is set only while capturing, so the optimizer
        # and its checkpoints stay as built.
        opt, device = self.setup.opt, self.setup.x.device
        flags = [group.get("capturable") for group in opt.param_groups]
        for group in opt.param_groups:
            if "capturable" in group:
                group["capturable"] = True
        previous = torch.cuda.current_stream(device)
        try:
            with warnings.catch_warnings():
                # An empty graph means the work ran outside the capture: replays would train nothing.
                warnings.filterwarnings("error", message=".*CUDA Graph is empty")
                # The capture stream must be on x's GPU (torch's default one is made once, on whichever
                # device was current). Gradients are None here: the captured backward writes them afresh.
                with torch.cuda.graph(graph, stream=torch.cuda.Stream(device=device)):
                    self._step(self.index)
        except BaseException:
            torch.cuda.set_stream(previous)  # a failed capture_end leaves the capture stream current
            raise
        finally:
            for group, flag in zip(opt.param_groups, flags):
                if flag is not None:
                    group["capturable"] = flag
        self.graph = graph


# Parameters, buffers and optimizer state, copied: the state a fit starts from.
Snapshot = tuple[list[Tensor], list[Tensor], dict[Tensor, dict[str, object]]]


def _snapshot(model: nn.Module, opt: torch.optim.Optimizer) -> Snapshot:
    """Copies of what the warm-up will move, taken before it: the state the fit starts from."""
    params = [p.detach().clone() for p in model.parameters()]
    buffers = [b.detach().clone() for b in model.buffers()]
    state = {p: {k: v.clone() if torch.is_tensor(v) else v for k, v in s.items()} for p, s in opt.state.items()}
    return params, buffers, state


@torch.no_grad()
def _undo_warm_up(model: nn.Module, opt: torch.optim.Optimizer, saved: Snapshot) -> None:
    """Put the model and optimizer back as `saved` holds them, in place: the graph records addresses, so the
    tensors must stay where they are.

    Optimizer state the warm-up created is zeroed, which is what a first step starts from: Adam's and
    RMSprop's moments and step count are zeros, and a zero momentum buffer gives SGD's first update exactly.
    """
    params, buffers, state = saved
    for live, old in zip(model.parameters(), params):
        live.copy_(old)
    for live, old in zip(model.buffers(), buffers):
        live.copy_(old)
    for p, live_state in opt.state.items():
        before = state.get(p)
        for key, value in live_state.items():
            if not torch.is_tensor(value):
                if before is not None and key in before:
                    live_state[key] = before[key]
            elif before is not None and key in before:
                value.copy_(before[key])  # type: ignore[arg-type]
            else:
                value.zero_()
    opt.zero_grad(set_to_none=True)  # no gradients, as before any step


def build_static_step(mode: str, setup: StepSetup) -> StaticStep | None:
    """The StaticStep for mode 'graph' or 'static', or None for eager. A capture that fails on this GPU or
    model falls back to eager training with a warning, from the start."""
    if mode == "eager":
        return None
    device = setup.x.device
    saved = _snapshot(setup.model, setup.opt)
    # Streams and graphs belong to the current CUDA device, which need not be x's (cuda:1).
    on_device = torch.cuda.device(device) if device.type == "cuda" else contextlib.nullcontext()
    try:
        with on_device:
            return StaticStep(setup=setup, capture=mode == "graph", start=saved)
    except Exception as error:  # any failure to warm up or capture has the same remedy
        if mode != "graph":
            raise
        if device.type == "cuda":
            torch.cuda.synchronize(device)
        _undo_warm_up(setup.model, setup.opt, saved)
        # A failed capture_end reports itself; the error that invalidated the capture is its context.
        cause = f"{error}; after: {error.__context__}" if error.__context__ is not None else str(error)
        warnings.warn(f"CUDA graph capture failed ({cause}); training eagerly instead", RuntimeWarning, stacklevel=2)
        return None
