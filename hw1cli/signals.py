"""Ctrl-C, SIGTERM and SIGHUP as exceptions that unwind a run cleanly, and a clean-up no second signal cuts.

The one stop discipline of every driver (a single run, `hw1 all` with or without --workers, `hw1 sweep`):
`install()` at the start; the first signal raises (KeyboardInterrupt, or Terminated for SIGTERM/SIGHUP) and
at once switches every handled signal to "remember only": a second Ctrl-C a millisecond later can no longer
interrupt the code that stops the workers and records run.json's or sweep.json's final state. The driver
catches the stop, cleans up, and exits with `stop_code` (the shell's 128 + signal number: 130, 143, 129).

Inside `polled()` (a call into Ray's compiled code, which an exception raised in a signal handler turns into
"returned a result with an exception set") the first signal is only noted; `check()` raises it between calls.
"""

from __future__ import annotations

import signal
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from types import FrameType
from typing import Any

HANDLED = tuple(getattr(signal, name) for name in ("SIGINT", "SIGTERM", "SIGHUP") if hasattr(signal, name))
_late: list[int] = []  # signals that arrived while deferred
_noted: list[int] = []  # the first signal that arrived inside polled(), to raise at the next check()
_polling = [False]


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
    if _polling[0]:
        _noted.append(signum)
        return
    _raise(signum)


def _raise(signum: int) -> None:
    defer()
    if signum == signal.SIGINT:
        raise KeyboardInterrupt
    raise Terminated(signum)


def stop_code(stop: BaseException) -> int:
    """The exit code of a driver stopped by `stop` (KeyboardInterrupt: 130; Terminated: 143 or 129)."""
    return stop.exit_code if isinstance(stop, Terminated) else 128 + signal.SIGINT


@contextmanager
def polled() -> Iterator[None]:
    """Signals only noted inside; `check()` (and leaving) raises the first as `install`'s handler would."""
    _noted.clear()
    _polling[0] = True
    try:
        yield
    finally:
        _polling[0] = False
    check()


def check() -> None:
    """Raise the stop a signal asked for inside `polled()`, if one did."""
    if _noted:
        signum = _noted[0]
        _noted.clear()
        _raise(signum)


def _remember(signum: int, frame: FrameType | None) -> None:
    _late.append(signum)


def install() -> dict[int, Any]:
    """Handle the signals for a run; returns the handlers to put back with `restore`. Off the main thread
    (a caller embedding hw1) nothing is installed: only the main thread may set handlers."""
    _late.clear()
    if threading.current_thread() is not threading.main_thread():
        return {}
    return {sig: signal.signal(sig, _first) for sig in HANDLED}


def defer() -> None:
    """From now on signals are only remembered (the clean-up must finish)."""
    if threading.current_thread() is not threading.main_thread():
        return
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
