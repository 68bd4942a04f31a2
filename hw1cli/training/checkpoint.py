"""Checkpoints of a single-model fit: model, optimizer and RNG state plus the history, saved atomically, so a
resumed fit gives the numbers of an uninterrupted one."""

from __future__ import annotations

import io
from pathlib import Path

import torch
from torch import nn

from hw1cli.errors import DataError
from hw1cli.files import atomic_write_bytes
from hw1cli.folder_read import Unreadable, open_plain
from hw1cli.runtime import generator
from hw1cli.training.optim import OptimizerSpec
from hw1cli.training.results import EpochStats, FitResult

# EpochStats fields under their names in checkpoints written before the rename, which --resume still reads.
_RENAMED = {"train_loss": "running_loss", "train_acc": "running_acc"}


def save_checkpoint(
    path: Path, model: nn.Module, opt: torch.optim.Optimizer, gen: torch.Generator, result: FitResult, finished: bool
) -> None:
    state = {
        "finished": finished,
        "status": result.status,
        "model": model.state_dict(),
        "optimizer": opt.state_dict(),
        "generator": gen.get_state(),
        "torch_rng": torch.get_rng_state(),
        "cuda_rng": torch.cuda.get_rng_state_all() if torch.cuda.is_available() else None,
        "epochs": result.epochs,
        "history": [vars(h) for h in result.history],
    }
    buffer = io.BytesIO()
    torch.save(state, buffer)
    atomic_write_bytes(path, buffer.getvalue())


def save_finished(path: Path, model: nn.Module, optimizer: OptimizerSpec, seed: int, result: FitResult) -> None:
    """The checkpoint `fit(model, ..., checkpoint=path)` restores without training: for a model trained
    elsewhere (in a stack of models). Its optimizer state is a fresh one's, as a finished fit never steps again."""
    device = next(model.parameters()).device
    save_checkpoint(path, model, optimizer.build(model.parameters()), generator(seed, device), result, finished=True)


def load_checkpoint(path: Path, model: nn.Module, opt: torch.optim.Optimizer, gen: torch.Generator, result: FitResult) -> bool:
    """Load a checkpoint into the live objects; returns whether that fit had already ended. One that cannot
    be read (cut, overwritten, from another model) is a data error naming the file and the way out."""
    try:
        return _load_state(path, model, opt, gen, result)
    except Unreadable as error:  # a link, a FIFO, a folder: not a file this run wrote
        raise DataError(f"checkpoint {path} is not usable ({error}); rerun without --resume to start over") from None
    except Exception as error:  # torch.load raises many kinds (pickle, zip, runtime); any means unusable
        raise DataError(f"checkpoint {path} is corrupt or does not fit this run ({type(error).__name__}); "
                        "rerun without --resume to start over") from None


def _load_state(path: Path, model: nn.Module, opt: torch.optim.Optimizer, gen: torch.Generator, result: FitResult) -> bool:
    # A checkpoint is a file of the run folder, which someone else may have made: weights_only unpickles
    # tensors, numbers, strings and containers only (never code), and open_plain refuses a link or a FIFO.
    with open_plain(path) as handle:
        state = torch.load(handle, map_location="cpu", weights_only=True)
    model.load_state_dict(state["model"])
    opt.load_state_dict(state["optimizer"])
    gen.set_state(state["generator"])
    torch.set_rng_state(state["torch_rng"])
    if state["cuda_rng"] is not None and torch.cuda.is_available():
        torch.cuda.set_rng_state_all(state["cuda_rng"])
    result.epochs = state["epochs"]
    result.history = [EpochStats(**{_RENAMED.get(k, k): v for k, v in h.items()}) for h in state["history"]]
    result.status = state["status"]
    return bool(state["finished"])
