"""The trainer family: every experiment fits, evaluates and ensembles its models through this package.

    loop.py          fit: the training loop over epochs and minibatches (eager steps, or the static step)
    batches.py       what the steps work on (StepSetup), each epoch's minibatch indices, fit's argument checks
    optim.py         what is minimised and with what: default losses, objectives, OptimizerSpec
    results.py       what a fit reports: EpochStats per epoch, FitResult
    checkpoint.py    saving and loading a fit's checkpoint (model, optimizer, RNG state, history); save_finished
    evaluate.py      measuring without training: evaluate(_sets), evaluate_ensemble, EpochEvaluations, predict,
                     mean_loss_at_most (a stop rule's check that ends early once the answer is known)
    epoch_log.py     log_epochs: fit's on_epoch that writes one metrics row per epoch, once (also on resume)
    step_graph.py    the CUDA fast path: one training step captured as a CUDA graph and replayed
    ensemble.py      K models of one architecture trained at once (torch.func: stack_module_state + vmap)
    ensemble_run.py  one ensemble fit's moving parts: the working set of models still training, a pass over the data
    ensemble_map.py  how the K models run side by side (vmap on accelerators, a loop on the CPU); their batches
    ensemble_stack.py  K plain MLPs as one batched product per layer (fit_ensemble's stacked=True)

Experiments import from the package itself; the names below are its public API.
"""

from hw1cli.training.batches import check_fit_arguments
from hw1cli.training.checkpoint import save_finished
from hw1cli.training.ensemble import Ensemble, EnsembleResult, fit_ensemble, squared_grad_norm
from hw1cli.training.epoch_log import log_epochs
from hw1cli.training.evaluate import (
    EpochEvaluations,
    evaluate,
    evaluate_ensemble,
    evaluate_sets,
    mean_loss_at_most,
    predict,
)
from hw1cli.training.loop import fit
from hw1cli.training.optim import OPTIMIZERS, LossFn, OptimizerSpec, default_loss
from hw1cli.training.results import EpochStats, FitResult

__all__ = [
    "OPTIMIZERS",
    "Ensemble",
    "EnsembleResult",
    "EpochEvaluations",
    "EpochStats",
    "FitResult",
    "LossFn",
    "OptimizerSpec",
    "check_fit_arguments",
    "default_loss",
    "evaluate",
    "evaluate_ensemble",
    "evaluate_sets",
    "fit",
    "fit_ensemble",
    "log_epochs",
    "mean_loss_at_most",
    "predict",
    "save_finished",
    "squared_grad_norm",
]
