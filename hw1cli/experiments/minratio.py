"""HW1-2 `minratio`: where training stops when the gradient is almost zero — minima or saddles?

Every run fits the target with MSE (warm-up), then minimises the squared gradient norm ‖∇L‖² until
‖∇L‖ < grad_tol, which walks to a critical point of any kind. There the exact Hessian of the full-data loss
(all parameters, float64) gives the minimal ratio: the fraction of its eigenvalues that are positive
(1 at a strict minimum). All runs train together as one ensemble and their Hessians are batched with vmap.
"""

from __future__ import annotations

import contextlib
import statistics
import time
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any

import torch

from hw1cli.context import RunContext
from hw1cli.ensemble import EnsembleResult, fit_ensemble, squared_grad_norm
from hw1cli.errors import UsageError
from hw1cli.functions import FUNCTIONS, grid, target
from hw1cli.measures import minimal_ratio, stacked_hessians, stacked_loss_and_grad_norm
from hw1cli.models import ACTIVATIONS, count_params, mlp
from hw1cli.plots import minratio as plots
from hw1cli.train import EpochStats, OptimizerSpec


@dataclass(frozen=True)
class MinratioConfig:
    runs: int = 100  # independent runs, seeds seed..seed+runs-1
    function: str = "sinc"  # target on the grid
    hidden: tuple[int, ...] = (10, 10)  # hidden widths: 1->10->10->1 has 141 parameters
    activation: str = "tanh"  # smooth, so that the Hessian is meaningful everywhere
    points: int = 300  # training grid size (full batch)
    x_min: float = -1.5  # grid is [x_min, x_max)
    x_max: float = 1.5
    warmup_epochs: int = 1000  # full-batch MSE steps before switching to ‖∇L‖²
    warmup_lr: float = 1e-2  # Adam, MSE phase
    grad_lr: float = 1e-4  # Adam, ‖∇L‖² phase
    grad_tol: float = 1e-3  # a run is done once ‖∇L‖ is below this
    max_grad_steps: int = 2000  # ‖∇L‖² steps at most
    hessian_chunk: int = 16  # Hessians computed at once (bounds memory)
    log_every: int = 50  # warm-up epochs between metrics rows (every ‖∇L‖² step is logged)
    seed: int = 0
    device: str = "auto"

    def __post_init__(self) -> None:
        if self.function not in FUNCTIONS:
            raise UsageError(f"unknown --function {self.function!r}; choose from {', '.join(FUNCTIONS)}")
        if self.activation not in ACTIVATIONS:
            raise UsageError(f"--activation must be one of {', '.join(ACTIVATIONS)}, not {self.activation!r}")
        if not self.hidden or min(self.hidden) < 1:
            raise UsageError("--hidden widths must be >= 1 (give at least one)")
        for name in ("runs", "hessian_chunk", "log_every"):
            if getattr(self, name) < 1:
                raise UsageError(f"--{name.replace('_', '-')} must be >= 1, not {getattr(self, name)}")
        for name in ("warmup_epochs", "max_grad_steps"):
            if getattr(self, name) < 0:
                raise UsageError(f"--{name.replace('_', '-')} must be >= 0, not {getattr(self, name)}")
        for name in ("warmup_lr", "grad_lr", "grad_tol"):
            if not getattr(self, name) > 0:
                raise UsageError(f"--{name.replace('_', '-')} must be > 0, not {getattr(self, name)}")
        if self.points < 2:
            raise UsageError(f"--points must be >= 2, not {self.points}")
        if not self.x_min < self.x_max:
            raise UsageError(f"--x-min ({self.x_min}) must be below --x-max ({self.x_max})")


QUICK: dict[str, Any] = {"runs": 6, "points": 100, "warmup_epochs": 300, "max_grad_steps": 100}
METRIC_COLUMNS = ("run", "seed", "phase", "epoch", "loss", "grad_norm", "epoch_seconds")


@contextlib.contextmanager
def one_cpu_thread(device: torch.device) -> Iterator[None]:
    """On CPU, run with one intra-op thread, then restore the caller's setting.

    Every op here is small (100 nets x 300 points x 10 units); splitting it across threads only adds a
    rendezvous per op, which stalls whenever another process holds a core. Measured on a shared 2-core box:
    the 100-run default took 142 s with torch's 2 threads and 18 s with one.
    """
    previous = torch.get_num_threads()
    if device.type == "cpu":
        torch.set_num_threads(1)
    try:
        yield
    finally:
        torch.set_num_threads(previous)


def run(cfg: MinratioConfig, ctx: RunContext) -> list[dict[str, Any]]:
    if ctx.resume:  # the ensemble has no per-run checkpoints: train it again; rows already on disk are kept
        ctx.view.say("--resume: retraining the ensemble from the start (deterministic, so kept rows match)")
    with one_cpu_thread(ctx.device):
        return _run(cfg, ctx)


def _run(cfg: MinratioConfig, ctx: RunContext) -> list[dict[str, Any]]:
    torch_dtype = torch.float64  # eigenvalues near zero decide the ratio: float32 round-off would flip signs
    x = grid(cfg.points, cfg.x_min, cfg.x_max, ctx.device).to(torch_dtype)
    y = target(cfg.function, x)
    seeds = [cfg.seed + i for i in range(cfg.runs)]
    sizes = [1, *cfg.hidden, 1]
    models = [mlp(sizes, cfg.activation, seed=s).to(ctx.device, torch_dtype) for s in seeds]
    params = count_params(models[0])
    ctx.view.say(f"{cfg.runs} runs of a {'->'.join(map(str, sizes))} {cfg.activation} net ({params} parameters)")
    log = ctx.out.metrics_log(METRIC_COLUMNS)
    started = time.perf_counter()

    def logger(phase: str, every: int) -> Callable[[int, Mapping[int, EpochStats]], None]:
        def record(epoch: int, stats: Mapping[int, EpochStats]) -> None:
            for k, s in stats.items():
                if epoch % every == 0 or epoch == 1:
                    # In the ‖∇L‖² phase the minimised value is ‖∇L‖², logged as its root.
                    values = {"loss": s.train_loss} if phase == "warmup" else {"grad_norm": s.train_loss**0.5}
                    log.write({"run": k, "seed": seeds[k], "phase": phase, "epoch": epoch, **values,
                               "epoch_seconds": s.epoch_seconds})
        return record

    task = ctx.view.task("warm-up (MSE)", total=cfg.warmup_epochs)
    warm = fit_ensemble(
        models, x, y, optimizer=OptimizerSpec("adam", cfg.warmup_lr), epochs=cfg.warmup_epochs, seeds=seeds,
        on_epoch=logger("warmup", cfg.log_every), task=task,
    )
    task.finish()
    ens = warm.ensemble
    warmup_loss, _ = stacked_loss_and_grad_norm(ens.template, ens.params, ens.buffers, x, y)
    tol_squared = cfg.grad_tol**2
    task = ctx.view.task("minimise ‖∇L‖²", total=cfg.max_grad_steps)
    # Freeze a run *before* the update that would move it off the point where ‖∇L‖ < tol was measured.
    descent = fit_ensemble(
        warm.ensemble, x, y, optimizer=OptimizerSpec("adam", cfg.grad_lr), epochs=cfg.max_grad_steps,
        seeds=seeds, objective=squared_grad_norm, on_step=lambda _i, values: values < tol_squared,
        on_epoch=logger("grad", 1), frozen=[s == "diverged" for s in warm.status], task=task,
    )
    task.finish()
    log.close()
    train_seconds = time.perf_counter() - started
    rows = measure(cfg, ctx, descent, warm.status, seeds, params, x, y, warmup_loss.tolist())
    ctx.out.write_csv("summary.csv", rows)
    seconds = time.perf_counter() - started
    reached = [r for r in rows if r["reached_tol"]]
    ratios = [r["minimal_ratio"] for r in rows if r["minimal_ratio"] is not None]
    ctx.out.note(
        runs=len(rows), reached_tol=len(reached), train_seconds=train_seconds, total_seconds=seconds,
        minimal_ratio_median=statistics.median(ratios) if ratios else None,
    )
    ctx.out.save_figure(plots.ratio_vs_loss(rows, cfg.grad_tol, params), "minratio_vs_loss.png")
    ctx.view.say(f"{len(reached)} of {len(rows)} runs reached ‖∇L‖ < {cfg.grad_tol:g}; {seconds:.1f} s in all")
    return rows


def measure(
    cfg: MinratioConfig, ctx: RunContext, descent: EnsembleResult, warm_status: list[str], seeds: list[int],
    params: int, x: torch.Tensor, y: torch.Tensor, warmup_loss: list[float],
) -> list[dict[str, Any]]:
    """Per run: final loss and ‖∇L‖, then the full-data Hessian's eigenvalues and the minimal ratio."""
    ens = descent.ensemble
    loss, grad_norm = (t.tolist() for t in stacked_loss_and_grad_norm(ens.template, ens.params, ens.buffers, x, y))
    ctx.view.say("Hessians and eigenvalues ...")
    started = time.perf_counter()
    hessians = stacked_hessians(ens.template, ens.params, ens.buffers, x, y, chunk_size=cfg.hessian_chunk)
    broken = ~torch.isfinite(hessians).flatten(1).all(1)  # diverged runs: eigvalsh would fail on NaN
    hessians[broken] = 0.0
    eigenvalues = torch.linalg.eigvalsh(hessians)
    eigenvalues[broken] = float("nan")
    ratios = minimal_ratio(eigenvalues).tolist()
    hessian_seconds = (time.perf_counter() - started) / len(seeds)
    eig = eigenvalues.cpu()
    rows: list[dict[str, Any]] = []
    eigen_rows: list[dict[str, Any]] = []
    for k, seed in enumerate(seeds):
        diverged = "diverged" in (warm_status[k], descent.status[k])
        finite = not diverged and bool(torch.isfinite(eig[k]).all())
        scale = float(eig[k].abs().max()) if finite else float("nan")
        rows.append({
            "run": k, "seed": seed, "params": params, "warmup_loss": warmup_loss[k], "loss": loss[k],
            "grad_norm": grad_norm[k], "reached_tol": grad_norm[k] < cfg.grad_tol, "grad_steps": descent.steps[k],
            "minimal_ratio": ratios[k] if finite else None,
            "min_eigenvalue": float(eig[k].min()) if finite else None,
            "max_eigenvalue": float(eig[k].max()) if finite else None,
            # Eigenvalues this close to 0 have a sign set by round-off; counted so readers can judge the ratio.
            "near_zero_eigenvalues": int((eig[k].abs() < 1e-9 * scale).sum()) if finite else None,
            "hessian_seconds": hessian_seconds,
            "status": "diverged" if diverged else "completed",
        })
        if finite:
            eigen_rows += [{"run": k, "seed": seed, "index": i, "eigenvalue": v} for i, v in enumerate(eig[k].tolist())]
    ctx.out.write_csv("eigenvalues.csv", eigen_rows, ("run", "seed", "index", "eigenvalue"))
    return rows

