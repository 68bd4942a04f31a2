"""Figure of `hw1 minratio`: the strict and the tolerant minimal ratio, and λmin / max|λ|, against final loss."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from matplotlib.figure import Figure

from hw1cli.plots.common import colors, figure, log_if_spanning, plural, styled


@styled
def ratio_vs_loss(rows: Sequence[Mapping[str, Any]], grad_tol: float, params: int, eig_tol: float) -> Figure:
    """Left: minimal ratio vs loss, strict (filled), with |λ| <= eig_tol·max|λ| counted as zero (hollow), and
    positive/(positive+negative) over the eigenvalues above that bar (triangles), which leaves the near-zero ones
    out of the denominator (where they made the tolerant ratio run against the strict one). Right: the most negative eigenvalue relative to the largest. Runs that missed ‖∇L‖ < grad_tol are crosses."""
    measured = [r for r in rows if r.get("minimal_ratio") is not None]
    fig, (left, right) = figure(
        f"Hessian at the end of training ({plural(len(measured), 'run')}, {params} parameters)", ncols=2, size=(11.5, 4.8)
    )
    strict_color, tolerant_color, kept_color = colors(3)
    for reached, suffix in ((True, f"‖∇L‖ < {grad_tol:g}"), (False, "missed the tolerance")):
        group = [r for r in measured if bool(r["reached_tol"]) == reached]
        if not group:
            continue
        losses = [r["loss"] for r in group]
        count = plural(len(group), "run")
        if reached:
            left.scatter(losses, [r["minimal_ratio"] for r in group], s=22, color=strict_color, alpha=0.8,
                         label=f"strict: λ > 0 ({suffix}, {count})")
            left.scatter(losses, [r["minimal_ratio_tol"] for r in group], s=26, facecolors="none",
                         edgecolors=tolerant_color, label=f"tolerant: λ > {eig_tol:g}·max|λ| ({suffix}, {count})")
            kept = [(x, r["ratio_nonnegligible"]) for x, r in zip(losses, group) if r.get("ratio_nonnegligible") is not None]
            left.scatter([x for x, _ in kept], [v for _, v in kept], s=26, marker="^", color=kept_color, alpha=0.8,
                         label=f"non-negligible: pos/(pos+neg) over |λ| > {eig_tol:g}·max|λ| ({count})")
            right.scatter(losses, [r["min_eigenvalue_relative"] for r in group], s=22, color=strict_color, alpha=0.8,
                          label=f"{suffix} ({count})")
        else:
            left.scatter(losses, [r["minimal_ratio"] for r in group], s=40, marker="x", color=strict_color,
                         label=f"strict ({suffix}, {count})")
            left.scatter(losses, [r["minimal_ratio_tol"] for r in group], s=40, marker="+", color=tolerant_color,
                         label=f"tolerant ({suffix}, {count})")
            right.scatter(losses, [r["min_eigenvalue_relative"] for r in group], s=40, marker="x", color=strict_color,
                          label=f"{suffix} ({count})")
    for ax in (left, right):
        log_if_spanning(ax, [r["loss"] for r in measured], axis="x", decades=1.0)
        ax.set_xlabel("training loss (MSE, full data)")
        ax.legend(fontsize="small")
    left.set_title("minimal ratio: strict = share of all λ > 0; tolerant = share of all λ above the bar;\n"
                   "non-negligible = share of positives among the λ beyond the bar either way", fontsize="small")
    left.set_ylabel("ratio of Hessian eigenvalues")
    right.set_title("most negative eigenvalue relative to the largest", fontsize="medium")
    right.set_ylabel("λmin / max|λ| (symmetric log)")
    # λmin/max|λ| is about -1e-4 .. +1e-9: a symmetric log axis shows both signs and their magnitude
    right.set_yscale("symlog", linthresh=1e-9)
    right.axhline(0.0, color="grey", linewidth=0.8)
    return fig
