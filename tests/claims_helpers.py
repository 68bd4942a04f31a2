"""Crafted run folders for the claims tests: run.json plus the CSVs an experiment writes, nothing trained."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from hw1cli import registry
from hw1cli.claims import ClaimResult
from hw1cli.files import write_csv


def make_run(folder: Path, command: str, csvs: Mapping[str, Sequence[Mapping[str, Any]]],
             config: Mapping[str, Any] | None = None, status: str = "completed") -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    record = {"command": command, "status": status, "config": {"seed": 0, **(config or {})}, "files": list(csvs)}
    (folder / "run.json").write_text(json.dumps(record))
    for name, rows in csvs.items():
        write_csv(folder / name, rows)
    return folder


def judge(folder: Path, command: str, csvs: Mapping[str, Sequence[Mapping[str, Any]]], **config: Any) -> dict[str, ClaimResult]:
    """Write the folder and judge it; results by claim id."""
    make_run(folder, command, csvs, config)
    return {r.claim_id: r for r in registry.get(command).claims(folder)}


# The CSVs each experiment writes, reduced to the columns its claims read.


def simulate_rows(deep_losses, shallow_losses, *, deep_epochs=None, shallow_epochs=None, max_epochs=1000,
                   deep_collapsed=()):
    rows = []
    for depth, losses, epochs in ((1, shallow_losses, shallow_epochs), (4, deep_losses, deep_epochs)):
        for seed, loss in enumerate(losses):
            stop = epochs[seed] if epochs else None
            outcome = "collapsed" if depth == 4 and seed in deep_collapsed else "max epochs"
            rows.append({"function": "sign", "depth": depth, "seed": seed, "final_loss": loss,
                         "epochs": stop or max_epochs, "converged": stop is not None, "outcome": outcome})
    return rows


def mnist_csvs(deep, shallow, test_images=2000):
    return {"summary.csv": [{"model": m, "seed": s, "test_acc": a, "test_images": test_images}
                            for m, accs in (("shallow", shallow), ("deep", deep)) for s, a in enumerate(accs)]}


def randlabel_csvs(train_acc, test_acc, curve, **extra):
    summary = {"noise": 1.0, "train_acc": train_acc, "test_acc": test_acc, "classes": 10, "test_images": 2000, **extra}
    return {"summary.csv": [summary], "metrics.csv": [{"epoch": i + 1, "train_acc": a} for i, a in enumerate(curve)]}


def params_csvs(train_losses, gaps, seeds=1):
    return {"summary.csv": [{"width": w, "params": 1000 * w, "seed": s, "train_loss": t, "test_loss": t + g}
                            for s in range(seeds) for w, t, g in zip((4, 8, 16, 32, 64, 128), train_losses, gaps)]}


def minratio_csvs(pairs, reached=True):
    return {"summary.csv": [{"run": i, "loss": loss, "minimal_ratio": ratio, "reached_tol": reached}
                            for i, (loss, ratio) in enumerate(pairs)]}


def pca_csvs(first_acc, last_acc, ends):
    rows = []
    for run, (a0, a1, (x1, y1)) in enumerate(zip(first_acc, last_acc, ends)):
        rows.append({"view": "whole", "run": run, "epoch": 0, "pc1": run * 1.0, "pc2": 0.0, "test_acc": a0})
        rows.append({"view": "whole", "run": run, "epoch": 9, "pc1": x1, "pc2": y1, "test_acc": a1})
    return {"coordinates.csv": rows}


def gradnorm_csvs(losses, norms):
    return {"metrics.csv": [{"iteration": i + 1, "loss": v, "grad_norm": g} for i, (v, g) in enumerate(zip(losses, norms))]}
