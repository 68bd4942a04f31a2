"""Ctrl-C, SIGTERM and SIGHUP as exceptions that unwind a run cleanly, and a clean-up no second signal cuts.

The first signal raises (KeyboardInterrupt, or Terminated for SIGTERM/SIGHUP) and at once switches every
handled signal to "remember only": a second Ctrl-C a millisecond later can no longer interrupt the code
that records run.json's final state. Exit codes follow the shell's 128 + signal number.
"""

from __future__ import annotations

import signal
from types import FrameType
from typing import Any

HANDLED = tuple(getattr(signal, name) for name in ("SIGINT", "SIGTERM", "SIGHUP") if hasattr(signal, name))
_late: list[int] = []  # signals that arrived while deferred


class Terminated(BaseException):
    """SIGTERM or SIGHUP, raised like KeyboardInterrupt so that the same clean-up runs."""

    def __init__(self, signum: int) -> None:
        super().__init__(signum)
        self.signum = signum

    @property
    def exit_code(self) -> int:
        return 128 + self.signum

    @property
    def name(self) -> str:
        return signal.Signals(self.signum).name


def _first(signum: int, frame: FrameType | None) -> None:
    defer()
    if signum == signal.SIGINT:
        raise KeyboardInterrupt
    raise Terminated(signum)


def _remember(signum: int, frame: FrameType | None) -> None:
    _late.append(signum)


def install() -> dict[int, Any]:
    """Handle the signals for a run; returns the handlers to put back with `restore`."""
    _late.clear()
    return {sig: signal.signal(sig, _first) for sig in HANDLED}


def defer() -> None:
    """From now on signals are only remembered (the clean-up must finish)."""
    for sig in HANDLED:
        signal.signal(sig, _remember)


def restore(previous: dict[int, Any], code: int) -> int:
    """Put the earlier handlers back; returns `code`, or 128 + the signal that arrived during a clean-up
    that ended well (the user asked to stop: `hw1 all` must not start the next experiment)."""
    for sig, handler in previous.items():
        signal.signal(sig, handler if handler is not None else signal.SIG_DFL)
    return settle(code)


def settle(code: int) -> int:
    """`code`, or 128 + a signal that arrived during a clean-up that ended well; the signals stay deferred.
    A process that ends with this run calls it instead of `restore`: a second Ctrl-C or SIGTERM arriving
    after the clean-up cannot then print a traceback (or kill the process) on its way out."""
    late = _late[0] if _late else None
    _late.clear()
    return 128 + late if late is not None and code == 0 else code
