"""The layers contract (.importlinter) holds on the code, and it would catch an upward import or a cycle.

import-linter's graph includes imports written inside functions, so hiding an upward import in a function
does not get past it. The planted cases copy the package to a temporary folder and lint the copy.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
LINT = shutil.which("lint-imports", path=str(Path(sys.executable).parent)) or shutil.which("lint-imports")
pytestmark = pytest.mark.skipif(LINT is None, reason="import-linter is not installed (pip install -e '.[test]')")


def lint(project: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(project)}
    return subprocess.run([LINT, "--no-cache"], cwd=project, env=env, capture_output=True, text=True, timeout=300)


def copy_project(tmp_path: Path) -> Path:
    project = tmp_path / "project"
    project.mkdir()
    shutil.copy(ROOT / ".importlinter", project / ".importlinter")
    shutil.copytree(ROOT / "hw1cli", project / "hw1cli", ignore=shutil.ignore_patterns("__pycache__"))
    return project


def test_the_code_keeps_every_contract() -> None:
    result = lint(ROOT)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-2000:]
    assert "3 kept, 0 broken" in result.stdout


@pytest.mark.parametrize(("module", "planted", "broken"), [
    # an upward import hidden inside a function, as the last wave's were
    ("errors.py", "def _later():\n    from hw1cli import cli  # noqa\n", "hw1cli.errors is not allowed to import hw1cli.cli"),
    ("training/loop.py", "def _later():\n    from hw1cli import registry  # noqa\n",
     "hw1cli.training is not allowed to import hw1cli.registry"),
    # one experiment reaching into another
    ("experiments/mnist/run.py", "def _later():\n    from hw1cli.experiments.pca import plots  # noqa\n",
     "hw1cli.experiments.mnist is not allowed to import hw1cli.experiments.pca"),
])
def test_a_planted_upward_import_breaks_the_contract(tmp_path: Path, module: str, planted: str, broken: str) -> None:
    project = copy_project(tmp_path)
    target = project / "hw1cli" / module
    target.write_text(target.read_text() + "\n\n" + planted)
    result = lint(project)
    assert result.returncode != 0
    assert broken in " ".join(result.stdout.split())


def test_every_module_of_hw1cli_has_its_layer() -> None:
    """A new top-level module must be placed in the contract, or the layers would not see it."""
    text = (ROOT / ".importlinter").read_text()
    layers = text.split("layers =", 1)[1].split("\n\n", 1)[0]
    listed = {name.strip() for line in layers.splitlines() for name in line.replace("|", ":").split(":") if name.strip()}
    package = ROOT / "hw1cli"
    modules = {f"hw1cli.{p.stem}" for p in package.glob("*.py") if p.stem != "__init__"}
    modules |= {f"hw1cli.{p.name}" for p in package.iterdir() if (p / "__init__.py").is_file()}
    assert modules - listed == set()
