"""Each experiment's one-line key numbers, read from its summary.csv rows (the suite table and the report)."""

from __future__ import annotations

import statistics
from collections.abc import Mapping, Sequence

Rows = Sequence[Mapping[str, str]]


def _f(value: str | None, digits: int = 3) -> str:
    try:
        return f"{float(value):.{digits}g}"
    except (TypeError, ValueError):
        return "?"


def simulate(rows: Rows) -> str:
    parts = []
    for function in dict.fromkeys(r["function"] for r in rows):
        fits = [f"d{r['depth']} {_f(r['final_loss'])}{' (collapsed)' if r.get('outcome') == 'collapsed' else ''}"
                for r in rows if r["function"] == function]
        parts.append(f"{function} MSE " + ", ".join(fits))
    return "; ".join(parts)


def minratio(rows: Rows) -> str:
    # Diverged runs have no ratio (empty cell); the median is statistics.median, as run.json's
    # minimal_ratio_median (the middle pair's mean for an even count, not the upper one).
    ratios = sorted(float(r["minimal_ratio"]) for r in rows if r.get("minimal_ratio"))
    reached = sum(r.get("reached_tol") == "true" for r in rows)
    return (f"minimal ratio {ratios[0]:.3f}–{ratios[-1]:.3f} (median {statistics.median(ratios):.3f}); "
            f"{reached}/{len(rows)} reached the gradient tolerance")


def params(rows: Rows) -> str:
    first, last = rows[0], rows[-1]
    return (f"test−train loss gap: width {first['width']} {_f(first['loss_gap'])}, "
            f"width {last['width']} {_f(last['loss_gap'])}")


def interpolate(rows: Rows) -> str:
    picked = [r for r in rows if float(r["alpha"]) in (0.0, 0.5, 1.0)]
    return "test acc " + ", ".join(f"α={float(r['alpha']):g} {_f(r['test_acc'])}" for r in picked)


def mnist(rows: Rows) -> str:
    return "test acc " + ", ".join(f"{r['model']} {_f(r['test_acc'])}" for r in rows)


def pca(rows: Rows) -> str:
    first = rows[0]
    whole = float(first["whole_pc1_explained"]) + float(first["whole_pc2_explained"])
    layer1 = float(first["layer1_pc1_explained"]) + float(first["layer1_pc2_explained"])
    return f"PC1+PC2 explain {100 * whole:.1f}% (whole), {100 * layer1:.1f}% (layer 1)"


def gradnorm(rows: Rows) -> str:
    return f"final loss {_f(rows[0]['final_loss'])}, final ‖∇L‖ {_f(rows[0]['final_grad_norm'])}"


def randlabel(rows: Rows) -> str:
    return f"train acc on random labels {_f(rows[0]['train_acc'])}, test acc {_f(rows[0]['test_acc'])}"


def sensitivity(rows: Rows) -> str:
    return "sensitivity " + ", ".join(f"bs {r['batch_size']}: {_f(r['sensitivity'])}" for r in rows)
