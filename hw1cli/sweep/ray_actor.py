"""What runs inside a Ray worker of `--backend ray`: one actor per slot, which imports torch, hw1's runner and
the sweep's experiments once when it starts (while Ray and the other workers are still starting) and then
runs task after task, as a local pool process does. Ray itself is not imported here: ray_tasks.py makes the
actor class with `ray.remote(PointWorker)` on the driver.

Ray cannot interrupt an actor's running call (ray.cancel only flags it), so `interrupt`, called in the actor's
"control" concurrency group while `run` holds its own thread, raises KeyboardInterrupt in that thread: the run
ends as a stop signal ends a local pool's point, "interrupted", its temporary folder removed.
"""

from __future__ import annotations

import contextlib
import ctypes
import importlib
import os
import socket
import threading
from collections.abc import Callable, Sequence

from hw1cli.sweep.worker import POINT_MODULES, PointResult, Task

# What a point needs, imported once per worker; the local pool's fork server preloads the same (executor.PRELOAD).
PRELOAD = ("hw1cli.sweep.worker", *POINT_MODULES)
CONTROL = "control"  # the concurrency group of `interrupt`: its own thread, free while `run` holds the default one


class PointWorker:
    """A Ray actor that runs `work(task, threads)` calls one at a time."""

    def __init__(self, modules: Sequence[str]) -> None:
        for name in (*PRELOAD, *modules):
            with contextlib.suppress(Exception):  # a module that fails to import fails its point, with its error
                importlib.import_module(name)
        self._running: int | None = None  # the thread that runs a task now

    def where(self) -> tuple[str, int]:
        """(host, pid) once the imports are done: the driver hands out tasks only to a ready worker."""
        return socket.gethostname(), os.getpid()

    def run(self, work: Callable[[Task, int], PointResult], task: Task, threads: int) -> PointResult:
        self._running = threading.get_ident()
        try:
            return work(task, threads)
        finally:
            self._running = None

    def interrupt(self) -> bool:
        """Stop the running task as Ctrl-C stops a point (its run ends "interrupted" and removes its temporary
        folder; the exception lands at the thread's next Python instruction). Whether a task was running."""
        thread = self._running
        if thread is None:
            return False
        ctypes.pythonapi.PyThreadState_SetAsyncExc(ctypes.c_ulong(thread), ctypes.py_object(KeyboardInterrupt))
        return True
