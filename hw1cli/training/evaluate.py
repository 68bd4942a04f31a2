"""Measuring models without training them: loss and accuracy over a whole set (one model or an ensemble),
per-epoch evaluations, predictions."""

from __future__ import annotations

import torch
from torch import Tensor, nn

from hw1cli.data import Dataset
from hw1cli.training.ensemble import Ensemble
from hw1cli.training.ensemble_map import Params, map_models
from hw1cli.training.optim import LossFn, default_loss
from hw1cli.training.results import EpochStats, FitResult


def eval_batch_size(device: torch.device) -> int:
    """Rows per evaluation forward pass. On this CPU, 256 kept conv activations in cache: evaluating 8k MNIST
    images took 0.22 s with the 4-conv 'deep' CNN (0.73 s at 1024, 1.06 s at 8192); GPUs want big batches."""
    return 256 if device.type == "cpu" else 8192


@torch.inference_mode()
def evaluate(
    model: nn.Module, x: Tensor, y: Tensor, loss_fn: LossFn | None = None, batch_size: int | None = None
) -> tuple[float, float | None]:
    """(mean loss, accuracy or None) over the whole set, in eval mode; the model's mode is restored."""
    loss_fn = loss_fn or default_loss(y)
    batch_size = batch_size or eval_batch_size(x.device)
    classification = not torch.is_floating_point(y)
    was_training = model.training
    model.eval()
    loss_sum = torch.zeros((), device=x.device, dtype=torch.float64)
    correct = torch.zeros((), device=x.device, dtype=torch.long)
    for start in range(0, len(x), batch_size):
        xb, yb = x[start : start + batch_size], y[start : start + batch_size]
        out = model(xb)
        loss_sum += loss_fn(out, yb).double() * len(yb)
        if classification:
            correct += (out.argmax(1) == yb).sum()
    model.train(was_training)
    n = max(len(x), 1)
    return float(loss_sum) / n, (float(correct) / n if classification else None)


@torch.inference_mode()
def mean_loss_at_most(model: nn.Module, x: Tensor, y: Tensor, limit: float, loss_fn: LossFn | None = None) -> bool:
    """Exactly `evaluate(model, x, y)[0] <= limit`, but it stops as soon as the partial sum proves the answer
    is no: the summed terms are >= 0 (cross-entropy, MSE) and float64 addition of non-negative terms never
    decreases a sum, so once loss_sum / n > limit the full mean is too. A stop rule that checks the training
    loss far above its target (sensitivity's --budget loss) then pays for one batch instead of the whole set.
    The arithmetic is evaluate's, batch for batch, so the answer is the same bit for bit."""
    loss_fn = loss_fn or default_loss(y)
    batch_size = eval_batch_size(x.device)
    was_training = model.training
    model.eval()
    n = max(len(x), 1)
    loss_sum = torch.zeros((), device=x.device, dtype=torch.float64)
    try:
        for start in range(0, len(x), batch_size):
            xb, yb = x[start : start + batch_size], y[start : start + batch_size]
            loss_sum += loss_fn(model(xb), yb).double() * len(yb)
            if float(loss_sum) / n > limit:  # a host sync per batch: free on the CPU, one of few on a GPU
                return False
    finally:
        model.train(was_training)
    return float(loss_sum) / n <= limit


def evaluate_sets(model: nn.Module, data: Dataset, y_train: Tensor | None = None) -> tuple[float, float, float, float]:
    """(train loss, train acc, test loss, test acc) in eval mode; `y_train` replaces the training labels
    (random labels are what the model is asked to fit, so that is what train accuracy measures)."""
    train_loss, train_acc = evaluate(model, data.x_train, data.y_train if y_train is None else y_train)
    test_loss, test_acc = evaluate(model, data.x_test, data.y_test)
    return train_loss, float(train_acc or 0.0), test_loss, float(test_acc or 0.0)


class EpochEvaluations:
    """evaluate_sets after the epochs that ask for it, remembered: the numbers after training are the last
    epoch's, so they are measured once, not again (unless the weights moved since: a diverged epoch, or nothing
    was measured this session because a finished checkpoint was restored or a resume skipped the logged epochs).

    `every` N evaluates after epochs N, 2N, ... and the last one; 0 only after the last. Evaluating both whole
    sets costs about a third of an epoch of training, so where only the final numbers are compared (params,
    sensitivity, interpolate) every epoch would be a third more work for curves nobody asked for."""

    EVALUATED = ("train_loss", "train_acc", "test_loss", "test_acc")  # evaluate_sets' numbers, in its order
    COLUMNS = ("running_loss", "running_acc", *EVALUATED)  # what `columns` fills, in metrics.csv's order

    def __init__(self, model: nn.Module, data: Dataset, every: int = 1) -> None:
        self.model, self.data, self.every = model, data, every
        self._last: tuple[int, tuple[float, float, float, float]] | None = None

    def at(self, epoch: int) -> tuple[float, float, float, float]:
        numbers = evaluate_sets(self.model, self.data)
        self._last = (epoch, numbers)
        return numbers

    def columns(self, stats: EpochStats, last: bool) -> dict[str, float | None]:
        """An epoch's metrics.csv numbers: the running means of training (free: the epoch measured them), and
        EVALUATED when this epoch is due (`last`: the fit ends with it), left empty otherwise."""
        row: dict[str, float | None] = {"running_loss": stats.running_loss, "running_acc": stats.running_acc}
        if last or (self.every > 0 and stats.epoch % self.every == 0):
            row.update(zip(self.EVALUATED, self.at(stats.epoch)))
        return row

    def final(self, result: FitResult) -> tuple[float, float, float, float]:
        if self._last is not None and self._last[0] == result.epochs and result.status != "diverged":
            return self._last[1]
        return evaluate_sets(self.model, self.data)


@torch.inference_mode()
def predict(model: nn.Module, x: Tensor, batch_size: int | None = None) -> Tensor:
    """Model outputs for all of x, in eval mode."""
    batch_size = batch_size or eval_batch_size(x.device)
    was_training = model.training
    model.eval()
    out = torch.cat([model(x[s : s + batch_size]) for s in range(0, len(x), batch_size)])
    model.train(was_training)
    return out


@torch.inference_mode()
def evaluate_ensemble(
    ens: Ensemble, x: Tensor, y: Tensor, loss_fn: LossFn | None = None, batch_size: int = 8192
) -> tuple[list[float], list[float] | None]:
    """Per model (mean loss, accuracy or None) over the whole set, in eval mode, like `evaluate`."""
    loss_fn = loss_fn or default_loss(y)
    classification = not torch.is_floating_point(y)
    was_training = ens.template.training
    ens.template.eval()
    loss_sum = torch.zeros(ens.size, device=x.device, dtype=torch.float64)
    correct = torch.zeros(ens.size, device=x.device, dtype=torch.long)

    def one(params: Params, buffers: Params, xb: Tensor, yb: Tensor) -> tuple[Tensor, Tensor]:
        out = ens.call(params, buffers, xb)
        return loss_fn(out, yb), out

    one_all = map_models(one, (0, 0, None, None), x.device)
    for start in range(0, len(x), batch_size):
        xb, yb = x[start : start + batch_size], y[start : start + batch_size]
        losses, outputs = one_all(ens.params, ens.buffers, xb, yb)
        loss_sum += losses.double() * len(yb)
        if classification:
            correct += (outputs.argmax(-1) == yb).sum(-1)
    ens.template.train(was_training)
    n = max(len(x), 1)
    return (loss_sum / n).tolist(), ((correct.double() / n).tolist() if classification else None)
