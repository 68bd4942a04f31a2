"""The tiny experiment's options: each field is one, declared once."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from hw1cli.configs.fields import option


@dataclass(frozen=True)
class TinyConfig:
    steps: int = option(3, "Rows to write.")
    seed: int = 0
    device: str = "auto"


QUICK: dict[str, Any] = {"steps": 2}
