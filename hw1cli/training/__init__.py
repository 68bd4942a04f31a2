"""The trainer family: every experiment fits, evaluates and ensembles its models through this package.

    loop.py          fit: the training loop, its optimizers, checkpoints and evaluation
    step_graph.py    the CUDA fast path: one training step captured as a CUDA graph and replayed
    ensemble.py      K models of one architecture trained at once (torch.func: stack_module_state + vmap)
    ensemble_map.py  how the K models run side by side (vmap on accelerators, a loop on the CPU); their batches

Experiments import from the package itself; the names below are its public API.
"""

from hw1cli.training.ensemble import (
    Ensemble,
    EnsembleResult,
    evaluate_ensemble,
    fit_ensemble,
    squared_grad_norm,
)
from hw1cli.training.loop import (
    OPTIMIZERS,
    EpochEvaluations,
    EpochStats,
    FitResult,
    LossFn,
    OptimizerSpec,
    check_fit_arguments,
    default_loss,
    evaluate,
    evaluate_sets,
    fit,
    predict,
)

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
    "predict",
    "squared_grad_norm",
]
