"""The pool's processes die with whoever started them, and leave Ctrl-C to the driver.

A local pool's workers are children of the fork server, which is a child of the driver. Without help a
SIGKILLed driver leaves both behind: the workers block forever on a queue whose writer they hold themselves
(and `hw1 all`'s keep their folder's lock). On Linux each arms PR_SET_PDEATHSIG (SIGKILL when its parent
dies) and then checks that its parent is still there, so no death can slip between fork and arming.
"""

from __future__ import annotations

import contextlib
import ctypes
import os
import signal
import sys

PR_SET_PDEATHSIG = 1  # linux/prctl.h


def die_with_parent(driver: int) -> None:
    """SIGKILL this process when its parent ends; exit now if the driver `driver` (pid) is gone already."""
    if sys.platform.startswith("linux"):
        # no libc prctl (an unusual build): the pool's own clean-up remains
        with contextlib.suppress(OSError, AttributeError):
            ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
    try:
        os.kill(driver, 0)
    except (ProcessLookupError, PermissionError):  # gone (its pid free, or reused by another user's process)
        os._exit(1)


def ignore_interrupts() -> None:
    """Ctrl-C reaches the whole process group; the driver decides what stops, and stops the workers itself."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
