"""Claims of `hw1 sensitivity` (Novak et al. 2018, Keskar et al. 2017): larger batches end sharper and more sensitive."""

from __future__ import annotations

from pathlib import Path

from hw1cli.claims.source import finite, read_config, read_rows
from hw1cli.claims.stats import spearman
from hw1cli.claims.verdicts import Claim, ClaimResult, trend

SENSITIVITY_GROWS = Claim("sensitivity", "sensitivity_grows",
                          "Sensitivity ‖∂softmax/∂x‖_F grows with the batch size (rank correlation).")
SHARPNESS_GROWS = Claim("sensitivity", "sharpness_grows", "Sharpness grows with the batch size (rank correlation).")
CLAIMS = (SENSITIVITY_GROWS, SHARPNESS_GROWS)


def evaluate(folder: Path) -> list[ClaimResult]:
    rows = read_rows(folder, "summary.csv", ("batch_size", "sensitivity", "sharpness_percent"))
    basis = comparison_basis(read_config(folder), rows)
    return [_judge(SENSITIVITY_GROWS, rows, "sensitivity", basis),
            _judge(SHARPNESS_GROWS, rows, "sharpness_percent", basis)]


def comparison_basis(config: dict, rows: list[dict[str, str]]) -> str:
    """What the batch sizes were given the same of, as the run's own config and summary say."""
    budget = config.get("budget", "epochs")  # runs from before --budget trained equal epochs
    if budget == "loss":
        reached = sum(r.get("reached_target") == "true" for r in rows)
        return (f"each trained to the same training loss <= {config.get('target_loss')} "
                f"({reached} of {len(rows)} reached it within {config.get('max_steps')} steps)")
    if budget == "steps":
        return f"equal steps: {config.get('max_steps')} each"
    return "equal epochs: larger batches took fewer steps"


def _judge(target: Claim, rows: list[dict[str, str]], column: str, basis: str) -> ClaimResult:
    points = [(b, v) for r in rows if (b := finite(r, "batch_size")) is not None and (v := finite(r, column)) is not None]
    correlation = spearman([b for b, _ in points], [v for _, v in points])
    shown = ", ".join(f"{b:g}: {v:.3g}" for b, v in points)
    evidence = f"{correlation.text()}; by batch size {shown} ({basis})"
    return target.judge(trend(correlation, increasing=True), evidence, 1)
