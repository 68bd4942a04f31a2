"""The process around a command: standard streams that cannot crash it, and the last net for errors.

A closed stdout (`>&-`) leaves Python with sys.stdout None; a pipe closed by `| head -1` or a full device
(`> /dev/full`) raises on the write or at exit. None of these may turn a finished run into a traceback:
stdout is guarded, its failure is reported once at the end (a closed pipe silently: the reader had enough).
"""

from __future__ import annotations

import errno
import os
import sys
from typing import Any, TextIO

from hw1cli.errors import describe_error, print_error


class GuardedStdout:
    """sys.stdout whose write and flush never raise: the first OSError is kept, later output dropped."""

    def __init__(self, inner: TextIO) -> None:
        self._inner = inner
        self.error: OSError | None = None

    def write(self, text: str) -> int:
        if self.error is None:
            try:
                return self._inner.write(text)
            except OSError as error:
                self.error = error
        return len(text)

    def flush(self) -> None:
        if self.error is None:
            try:
                self._inner.flush()
            except OSError as error:
                self.error = error

    def __getattr__(self, name: str) -> Any:  # isatty, fileno, encoding...: the real stream's
        return getattr(self._inner, name)


def open_standard_streams() -> GuardedStdout:
    """Give closed standard descriptors /dev/null (else the next file opened would become fd 1 and receive
    what is printed), then guard sys.stdout."""
    for fd in (0, 1, 2):
        try:
            os.fstat(fd)
        except OSError:
            null = os.open(os.devnull, os.O_RDWR)
            if null != fd:
                os.dup2(null, fd)
                os.close(null)
    if sys.stdout is None:
        sys.stdout = open(1, "w", closefd=False)  # noqa: SIM115 - the process's stdout, open until exit
    if sys.stderr is None:
        sys.stderr = open(2, "w", closefd=False)  # noqa: SIM115
    guarded = sys.stdout if isinstance(sys.stdout, GuardedStdout) else GuardedStdout(sys.stdout)
    sys.stdout = guarded
    return guarded


def close_stdout(stdout: GuardedStdout, code: int) -> int:
    """Flush stdout; a failure is one line (exit 1 if the command had succeeded), a reader that went away
    (EPIPE) is no error. Returns the exit code."""
    stdout.flush()
    error = stdout.error
    if error is None:
        return code
    try:  # nothing more may reach the broken stream, not even the interpreter's own flush at exit
        null = os.open(os.devnull, os.O_WRONLY)
        os.dup2(null, stdout.fileno())
        os.close(null)
    except (OSError, ValueError):
        pass
    if error.errno == errno.EPIPE:
        return code
    # the OS's words only: the advice for a run's folder (another -o, --resume) is no help for standard output
    print_error(f"cannot write to standard output: {os.strerror(error.errno) if error.errno else describe_error(error)}")
    return code or 1


def report_unexpected(error: BaseException, argv: list[str] | None) -> int:
    """The last net: anything no command caught becomes one line (the traceback with --debug); exit 1."""
    print_error(error, debug="--debug" in (argv if argv is not None else sys.argv))
    return 1
