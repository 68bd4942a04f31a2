"""Fault injection for the reliability tests: HW1_TEST_KILL_AT=NAME makes the process SIGKILL itself at the
point of that name, to prove that no kill at that point loses a finished row or the previous run.

Points: `log-opened` (a resume's metrics.csv opened, before anything is written) and `set-aside` (a rerun
has moved the first of the previous run's files into .previous.partial/). Unset, this costs one lookup.
"""

from __future__ import annotations

import os
import signal

ENV = "HW1_TEST_KILL_AT"


def kill_point(name: str) -> None:
    if os.environ.get(ENV) == name:
        os.kill(os.getpid(), signal.SIGKILL)
