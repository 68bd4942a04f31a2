"""Fault injection for the reliability tests: HW1_TEST_KILL_AT=NAME makes the process SIGKILL itself at the
point of that name, to prove that no kill at that point loses a finished row or the previous run.

HW1_TEST_PAUSE_AT=NAME makes it sleep there instead (HW1_TEST_PAUSE_SECONDS, default 60), holding what it
holds: a test can then try a second process against it at a known moment (`sweep-started`: the sweep folder
is locked and sweep.json written, no point started).

Points: `log-opened` (a resume's metrics.csv opened, before anything is written) and `set-aside` (a rerun
has moved the first of the previous run's files into .previous.partial/) and `task:KEY` (a local pool's
worker has just taken the task KEY: a sweep point's or an experiment's name). Unset, this costs one lookup.
"""

from __future__ import annotations

import os
import signal
import time

ENV = "HW1_TEST_KILL_AT"
PAUSE_ENV = "HW1_TEST_PAUSE_AT"


def kill_point(name: str) -> None:
    if os.environ.get(ENV) == name:
        os.kill(os.getpid(), signal.SIGKILL)


def pause_point(name: str) -> None:
    if os.environ.get(PAUSE_ENV) == name:
        time.sleep(float(os.environ.get("HW1_TEST_PAUSE_SECONDS", "60")))


SIGNAL_ENV = "HW1_TEST_SIGNAL_AT"


def signal_point(name: str) -> None:
    """HW1_TEST_SIGNAL_AT=NAME:SIG (e.g. `pool-started:INT`) sends SIG to this process's whole group at the
    point of that name, once, as a terminal's Ctrl-C reaches every process of the job.

    Points: `pool-started` (the driver has just submitted the first tasks: the pool's processes are starting)."""
    value = os.environ.get(SIGNAL_ENV)
    if value is None or value.partition(":")[0] != name:
        return
    del os.environ[SIGNAL_ENV]  # once; and workers started later do not inherit it
    os.killpg(os.getpgid(0), getattr(signal, "SIG" + value.partition(":")[2]))
