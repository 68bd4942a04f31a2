"""Fault injection for the reliability tests: HW1_TEST_KILL_AT=NAME makes the process SIGKILL itself at the
point of that name, to prove that no kill at that point loses a finished row or the previous run.

Points: `log-opened` (a resume's metrics.csv opened, before anything is written), `set-aside` (a rerun
has moved the first of the previous run's files into .previous.partial/) and `task:KEY` (a local pool's
worker has just taken the task KEY: a sweep point's or an experiment's name). Unset, this costs one lookup.
"""

from __future__ import annotations

import os
import signal

ENV = "HW1_TEST_KILL_AT"


def kill_point(name: str) -> None:
    if os.environ.get(ENV) == name:
        os.kill(os.getpid(), signal.SIGKILL)


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
