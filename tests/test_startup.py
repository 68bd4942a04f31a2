"""Start-up stays light: help, version, usage errors and the report never import the libraries that train."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import run_cli

HEAVY = ("torch", "torchvision", "sklearn", "matplotlib")
# Runs `hw1 ARGS` in a fresh interpreter, then prints which heavy modules got imported on the way.
PROBE = """
import json, sys
from hw1cli.cli import main
sys.argv = ["hw1", *json.loads(sys.argv[1])]
try:
    main()
except SystemExit as exit:
    code = exit.code
print(json.dumps({"heavy": sorted(m for m in HEAVY if m in sys.modules), "code": code}))
""".replace("HEAVY", repr(HEAVY))


def heavy_imports(*args: str) -> tuple[list[str], int]:
    proc = subprocess.run([sys.executable, "-c", PROBE, json.dumps(list(args))], capture_output=True, text=True,
                          timeout=120)
    result = json.loads(proc.stdout.strip().splitlines()[-1])
    return result["heavy"], result["code"]


# Each case with the exit code it must give: help and version succeed, the bad options are usage errors.
@pytest.mark.parametrize(("args", "expected_code"), [
    (("--version",), 0), (("--help",), 0), (("mnist", "--help"), 0), (("all", "--help"), 0),
    (("sensitivity", "--help"), 0), (("mnist", "--epochs", "0"), 2), (("mnist", "--model", "bogus"), 2),
    (("simulate", "--x-min", "2", "--x-max", "1"), 2), (("all", "--only", "nosuch"), 2),
    (("mnist", "--dataset", "digits", "--print-config"), 0), (("simulate", "--config", "nope.toml"), 2),
], ids=lambda value: " ".join(value) if isinstance(value, tuple) else str(value))
def test_help_version_and_usage_errors_import_nothing_heavy(args: tuple[str, ...], expected_code: int) -> None:
    heavy, code = heavy_imports(*args)
    assert heavy == [], f"hw1 {' '.join(args)} imported {heavy}"
    assert (code or 0) == expected_code


def test_the_report_imports_nothing_heavy(tmp_path: Path) -> None:
    root = tmp_path / "root"
    assert run_cli("simulate", "--quick", "--epochs", "5", "--depth", "1", "-o", root / "simulate", "-q").exit_code == 0
    heavy, code = heavy_imports("report", "-o", str(root))
    assert code in (0, None) and heavy == []
    assert (root / "index.html").exists()


def test_a_run_does_import_torch_so_the_probe_can_see_it(tmp_path: Path) -> None:
    heavy, code = heavy_imports("simulate", "--quick", "--epochs", "2", "--depth", "1", "-o", str(tmp_path / "s"), "-q")
    assert code in (0, None) and "torch" in heavy


def test_shell_completion_offers_the_choices_without_loading_torch() -> None:
    import os

    env = {**os.environ, "_HW1_COMPLETE": "complete_bash", "COMP_WORDS": "hw1 mnist --model ", "COMP_CWORD": "3"}
    probe = "import sys\nfrom hw1cli.cli import main\nsys.argv = ['hw1']\ntry:\n    main()\nexcept SystemExit:\n    pass\n" \
            "print('HEAVY', sorted(m for m in ('torch', 'matplotlib', 'sklearn') if m in sys.modules))"
    proc = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, env=env, timeout=120)
    lines = proc.stdout.split()
    assert lines[:5] == ["shallow", "medium", "deep", "lenet", "cnn"], proc.stdout + proc.stderr
    assert proc.stdout.rstrip().endswith("HEAVY []")


@pytest.mark.parametrize("device", ["auto", "cpu"])
def test_checking_a_sweeps_points_on_auto_or_cpu_imports_no_torch(tmp_path: Path, device: str) -> None:
    """auto and cpu always resolve: the driver checks every point without torch's 2-3 s import (a bad
    device still gets the check that needs torch: tests/test_suite.py)."""
    heavy, code = heavy_imports("sweep", "mnist", "--grid", "lr=0.1,0.2", "--seeds", "2", "--dataset", "digits",
                                "--device", device, "--print-config", "-o", str(tmp_path / "sweep"))
    assert (code or 0) == 0 and heavy == []
