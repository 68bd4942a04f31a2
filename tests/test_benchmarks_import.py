"""Every script under benchmarks/ imports (its main guarded by __name__): a refactor that moves a name a benchmark
uses breaks this test, not a measurement session (bench_suite.py once imported sets_output_dir from a module
that no longer had it)."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest

BENCHMARKS = sorted((Path(__file__).resolve().parents[1] / "benchmarks").glob("*.py"))


@pytest.mark.parametrize("script", BENCHMARKS, ids=lambda p: p.name)
def test_the_benchmark_imports(script: Path) -> None:
    spec = importlib.util.spec_from_file_location(f"benchmark_{script.stem}", script)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)  # runs its imports and definitions, not main()
    assert callable(getattr(module, "main", None)), f"{script.name} has no main()"
