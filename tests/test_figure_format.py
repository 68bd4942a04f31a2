"""--figure-format: every figure in each format asked for (PNG always, for the report); a bad format is refused."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from conftest import run_cli

GRADNORM = ("gradnorm", "--iterations", "20", "-q")


def test_each_figure_is_written_in_every_format_asked_for(tmp_path: Path) -> None:
    out = tmp_path / "g"
    result = run_cli(*GRADNORM, "--figure-format", "svg,pdf", "-o", out)
    assert result.exit_code == 0, result.output
    pngs = sorted(p.stem for p in out.glob("*.png") if not p.name.endswith(".phone.png"))  # phone copies: PNG only
    assert pngs and sorted(p.stem for p in out.glob("*.svg")) == pngs == sorted(p.stem for p in out.glob("*.pdf"))
    assert all((out / f"{stem}.svg").read_text().lstrip().startswith(("<?xml", "<svg")) for stem in pngs)
    assert all((out / f"{stem}.pdf").read_bytes().startswith(b"%PDF") for stem in pngs)
    listed = json.loads((out / "run.json").read_text())["files"]
    assert {f"{stem}.svg" for stem in pngs} <= set(listed)  # a rerun sets them aside like the PNGs


@pytest.mark.parametrize(("option", "value"), [("--figure-format", "png,gif"), ("--figure-format", ""),
                                                ("--log-to", ""), ("--log-to", " , ")])
def test_an_unknown_or_empty_format_or_tracker_is_a_usage_error_and_writes_nothing(
        tmp_path: Path, option: str, value: str) -> None:
    # an empty value used to be taken silently as png / no tracker, as if the option had been left out
    result = run_cli(*GRADNORM, option, value, "-o", tmp_path / "g")
    assert result.exit_code == 2 and option in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1 and not (tmp_path / "g").exists()
