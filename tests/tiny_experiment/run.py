"""The tiny experiment's run: value = step² + seed per row."""

from __future__ import annotations

from typing import Any

from hw1cli.context import RunContext

from .config import TinyConfig


def run(cfg: TinyConfig, ctx: RunContext) -> list[dict[str, Any]]:
    log = ctx.out.metrics_log(("step", "value"), keys=("step",))
    for step in range(cfg.steps):
        log.write({"step": step, "value": step * step + cfg.seed})
    log.close()
    summary = [{"steps": cfg.steps, "last_value": (cfg.steps - 1) ** 2 + cfg.seed, "status": "completed"}]
    ctx.out.write_csv("summary.csv", summary)
    return summary
