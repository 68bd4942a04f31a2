"""hw1's malloc settings (hw1cli/allocator.py): set for every run and put back after, off with HW1_MALLOC=system,
the same numbers either way, and fewer page faults than glibc's defaults."""

from __future__ import annotations

import os
import resource
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import read_rows, run_cli, without_timing

from hw1cli import allocator


class FakeLibc:
    """Records mallopt and malloc_trim calls in order."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, int, int | None]] = []

    def mallopt(self, parameter: int, value: int) -> int:
        self.calls.append(("mallopt", parameter, value))
        return 1

    def malloc_trim(self, pad: int) -> int:
        self.calls.append(("malloc_trim", pad, None))
        return 1


def tuned_calls() -> list[tuple[str, int, int | None]]:
    return [("mallopt", p, v) for p, v in allocator.TUNED.items()]


def after_calls() -> list[tuple[str, int, int | None]]:
    return [*(("mallopt", p, v) for p, v in allocator.AFTER_RUN.items()), ("malloc_trim", 0, None)]


def test_settings_inside_and_put_back_after_even_on_error() -> None:
    libc = FakeLibc()
    with pytest.raises(KeyboardInterrupt), allocator.freed_memory_kept(libc) as applied:
        assert applied is True
        assert libc.calls == tuned_calls()
        raise KeyboardInterrupt
    assert libc.calls == tuned_calls() + after_calls()
    # the values mallopt is given: glibc refuses an mmap threshold above 32 MiB on 64-bit
    assert allocator.TUNED[allocator.M_MMAP_THRESHOLD] == 32 * 1024 * 1024
    assert (allocator.M_TRIM_THRESHOLD, allocator.M_TOP_PAD, allocator.M_MMAP_THRESHOLD) == (-1, -2, -3)


def test_hw1_malloc_system_leaves_glibc_alone(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(allocator, "glibc", lambda: pytest.fail("glibc() asked with HW1_MALLOC=system"))
    for value in ("system", " System "):
        monkeypatch.setenv(allocator.ENV, value)
        assert not allocator.wanted()
        with allocator.freed_memory_kept() as applied:
            assert applied is False
    monkeypatch.setenv(allocator.ENV, "tuned")
    assert allocator.wanted()


def test_no_glibc_no_settings(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sys, "platform", "darwin")
    assert allocator.glibc() is None
    with allocator.freed_memory_kept() as applied:
        assert applied is False


def test_every_run_goes_through_it(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    libc = FakeLibc()
    monkeypatch.delenv(allocator.ENV, raising=False)
    monkeypatch.setattr(allocator, "glibc", lambda: libc)
    result = run_cli("gradnorm", "--iterations", "5", "-q", "-o", tmp_path / "g")
    assert result.exit_code == 0, result.output
    assert libc.calls == tuned_calls() + after_calls()  # once per run: set before it, put back after


@pytest.mark.skipif(allocator.glibc() is None, reason="glibc's malloc only")
def test_same_numbers_and_fewer_page_faults(tmp_path: Path) -> None:
    """A real run in a fresh process each way: every number equal, and far fewer minor page faults tuned."""
    faults = {}
    for setting in ("system", "tuned"):
        before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_minflt
        done = subprocess.run(
            [sys.executable, "-m", "hw1cli", "mnist", "--quick", "--dataset", "digits", "--model", "deep", "-q",
             "-o", str(tmp_path / setting)],
            env={**os.environ, allocator.ENV: setting}, capture_output=True, text=True, timeout=300,
        )
        assert done.returncode == 0, done.stderr
        faults[setting] = resource.getrusage(resource.RUSAGE_CHILDREN).ru_minflt - before
    for name in ("metrics.csv", "summary.csv", "test_correct.csv"):
        assert without_timing(read_rows(tmp_path / "tuned" / name)) == without_timing(read_rows(tmp_path / "system" / name))
    assert faults["tuned"] < 0.75 * faults["system"], faults
