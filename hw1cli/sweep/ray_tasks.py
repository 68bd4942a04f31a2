"""Tasks on Ray (`--backend ray`): joining a cluster or starting a local one on loopback, refusing an address
where nothing answers in seconds, a pool of workers (Ray actors, ray_actor.py) that import torch and hw1 once
and run point after point, stop signals noted during Ray's calls and raised between them (running points end
"interrupted", as on the local pool), and a head that stops answering ended as ClusterLost (one line) before
Ray's own minute-long give-up kills the process."""

from __future__ import annotations

import collections
import contextlib
import logging
import os
import signal
import socket
import sys
import time
from collections.abc import Callable, Iterator, Sequence
from typing import TYPE_CHECKING, Any

from hw1cli import signals
from hw1cli.errors import Hw1Error, UsageError
from hw1cli.sweep.worker import PointResult, Task

if TYPE_CHECKING:
    from hw1cli.sweep.executor import RayBackend

# A point whose Ray worker process died runs again on a fresh worker, at most this many times (the local pool's rule).
MAX_RETRIES = 3
POLL_SECONDS = 0.5  # how often the driver wakes while it waits, so that a signal is handled promptly
STOP_SECONDS = 10  # how long stopped points get to end as "interrupted" before their workers are killed
OnResult = Callable[[Task, PointResult], None]
Work = Callable[[Task, int], PointResult]


def failed(error: str) -> PointResult:
    return PointResult("failed", 1, error=error)


CONNECT_SECONDS = 5.0  # how long joining a cluster may take before "nothing answers at ADDRESS"


class ClusterUnreachable(UsageError):
    """--address (or RAY_ADDRESS) names a host:port where nothing answers: a usage error, exit 2."""


def cluster_address(address: str | None) -> str | None:
    """The cluster to join: --address, else RAY_ADDRESS (Ray reads it too), else None: start a local Ray."""
    return address or os.environ.get("RAY_ADDRESS") or None


def check_address(address: str | None) -> None:
    """Refuse in seconds a HOST:PORT where nothing listens (Ray itself retries for minutes, deaf to SIGTERM)."""
    target = cluster_address(address)
    if target is None or target == "auto" or "://" in target:  # auto: Ray's own lookup, which fails fast
        return
    given = "--address" if address else "RAY_ADDRESS"
    host, _, port = target.rpartition(":")
    try:
        with socket.create_connection((host.strip("[]") or "127.0.0.1", int(port)), timeout=CONNECT_SECONDS):
            pass
    except ValueError:
        raise ClusterUnreachable(f"{given} {target!r} must be HOST:PORT (e.g. 127.0.0.1:6379) or auto") from None
    except OSError as error:
        why = error.strerror or type(error).__name__  # e.g. "Connection refused", or TimeoutError
        raise ClusterUnreachable(f"no Ray cluster answers at {target} ({given}: {why}); start one with "
                                 f"`ray start --head` or leave out {given}") from None


def run_on_ray(tasks: Sequence[Task], backend: RayBackend, on_result: OnResult, work: Work) -> None:
    """Ray's calls are made in signals.polled(): a stop signal is noted and raised between calls (raised
    inside one, Ray's compiled code reports it as an unrelated SystemError), and the clean-up is not cut."""
    if cluster_address(backend.address) is None:
        # A Ray started here serves this machine only: with this switch (read when ray is imported) Ray takes
        # the loopback address, as on a laptop, instead of the machine's network address on all its ports.
        os.environ.setdefault("RAY_ENABLE_WINDOWS_OR_OSX_CLUSTER", "0")
    import ray

    started_here = not ray.is_initialized()
    pool: _Pool | None = None
    lost = False
    with signals.polled():
        try:
            if started_here:
                _start_ray(ray, backend)
            total = ray.cluster_resources()
            _check_resources(total, backend)
            # the workers start (and import torch and hw1) at once; each point goes to the next free one
            pool = _Pool(ray, backend, work, _slots(total, backend, len(tasks)), _modules(tasks))
            pool.run(tasks, on_result, ray.get_runtime_context().gcs_address)
        except ClusterLost:
            lost = True
            raise
        finally:
            if pool is not None:
                with contextlib.suppress(Exception):  # the cluster may be gone already
                    pool.stop(interrupt=not lost)
            if started_here:
                with contextlib.suppress(Exception):
                    ray.shutdown()


def _slots(total: dict[str, float], backend: RayBackend, tasks: int) -> int:
    """How many points can run at once: the workers the cluster has room for (CPUs, and GPUs if asked)."""
    fits = total.get("CPU", 0.0) / backend.cpus_per_run
    if backend.gpus_per_run:
        fits = min(fits, total.get("GPU", 0.0) / backend.gpus_per_run)
    return max(1, min(tasks, int(fits + 1e-9)))


def _modules(tasks: Sequence[Task]) -> tuple[str, ...]:
    """The experiments' training modules, for the workers to import before their first point."""
    return tuple(dict.fromkeys(t.request.experiment.run.partition(":")[0] for t in tasks))


class _Pool:
    """`slots` Ray actors (ray_actor.PointWorker), each holding a point's CPUs and GPUs, that import hw1 once
    and run point after point; a point goes to the next free worker. A worker whose process dies is replaced
    and its point runs again, at most MAX_RETRIES times (the local pool's rule); an error inside a point is
    its result, never retried."""

    def __init__(self, ray: Any, backend: RayBackend, work: Work, slots: int, modules: tuple[str, ...]) -> None:
        from hw1cli.sweep.ray_actor import CONTROL, PointWorker

        self.ray, self.work, self.modules = ray, work, modules
        self.threads = max(1, int(backend.cpus_per_run))
        self.actor = ray.remote(num_cpus=backend.cpus_per_run, num_gpus=backend.gpus_per_run, max_restarts=0,
                                concurrency_groups={CONTROL: 1})(PointWorker)
        self.control = CONTROL
        self.starting: dict[Any, Any] = {}  # where() ref -> actor still importing
        self.idle: list[Any] = []
        self.busy: dict[Any, tuple[Any, Task]] = {}  # run() ref -> (actor, task)
        self.start_failures = 0
        self.problem = ""  # why the last worker failed to start
        for _ in range(slots):
            self._start_worker()

    def _start_worker(self) -> None:
        actor = self.actor.remote(self.modules)
        self.starting[actor.where.remote()] = actor

    def run(self, tasks: Sequence[Task], on_result: OnResult, head: str) -> None:
        """Report each task as it ends. Between waits: a noted stop signal is raised, and a head that stopped
        answering ends the sweep as ClusterLost within seconds (Ray would wait a minute, then exit the process
        with no chance to record the sweep's end)."""
        ray = self.ray
        queue = collections.deque(tasks)
        attempts: collections.Counter[str] = collections.Counter()
        silent_since: float | None = None
        while queue or self.busy:
            while queue and self.idle:
                actor, task = self.idle.pop(), queue.popleft()
                self.busy[actor.run.remote(self.work, task, self.threads)] = (actor, task)
            if queue and not (self.idle or self.busy or self.starting):  # no worker could start
                while queue:
                    on_result(queue.popleft(), failed(f"Ray: no worker could start ({self.problem})"))
                break
            waiting = [*self.busy, *self.starting]
            done, _ = ray.wait(waiting, num_returns=1, timeout=POLL_SECONDS)
            if done:  # and whatever else has ended meanwhile
                done, _ = ray.wait(waiting, num_returns=len(waiting), timeout=0)
            for ref in done:
                if ref in self.starting:
                    self._started(ref)
                else:
                    self._ended(ref, queue, attempts, on_result)
            signals.check()
            if _answers(head):
                silent_since = None
            elif silent_since is None:
                silent_since = time.monotonic()
            elif time.monotonic() - silent_since > CONNECT_SECONDS:
                raise ClusterLost(f"the Ray cluster at {head} stopped answering; finished points are kept")

    def _started(self, ref: Any) -> None:
        actor = self.starting[ref]
        try:  # bounded: a call "done" while its cluster dies can block a plain get for a minute
            self.ray.get(ref, timeout=POLL_SECONDS)
        except self.ray.exceptions.GetTimeoutError:
            return  # not ready after all: still starting
        except self.ray.exceptions.RayError as error:
            del self.starting[ref]
            self.problem = _short(error)
            self.start_failures += 1
            if self.start_failures <= MAX_RETRIES:
                self._start_worker()
            return
        del self.starting[ref]
        self.idle.append(actor)

    def _ended(self, ref: Any, queue: collections.deque[Task], attempts: collections.Counter[str], on_result: OnResult) -> None:
        ray = self.ray
        actor, task = self.busy[ref]
        try:
            result = ray.get(ref, timeout=POLL_SECONDS)
        except ray.exceptions.GetTimeoutError:
            return  # not ready after all: still running, and the head is probed
        except ray.exceptions.RayActorError as error:  # the worker process died (killed, out of memory, node lost)
            del self.busy[ref]
            with contextlib.suppress(Exception):
                ray.kill(actor)
            self._start_worker()
            attempts[task.key] += 1
            if attempts[task.key] > MAX_RETRIES:
                on_result(task, failed(f"Ray: the worker process died {attempts[task.key]} times ({_short(error)})"))
            else:
                queue.appendleft(task)
            return
        except ray.exceptions.RayError as error:  # e.g. the work function itself failed
            result = failed(f"Ray: {_short(error)}")
        del self.busy[ref]
        self.idle.append(actor)
        on_result(task, result)

    def stop(self, interrupt: bool) -> None:
        """Running points are stopped as a local pool's are (`interrupt`: their runs end "interrupted" and
        remove their temporary folders, given STOP_SECONDS), then every worker is killed: the CPUs and GPUs
        they hold go back to the cluster."""
        ray = self.ray
        running = list(self.busy)
        if interrupt and running:
            for actor, _ in self.busy.values():
                actor.interrupt.options(concurrency_group=self.control).remote()
            deadline = time.monotonic() + STOP_SECONDS
            while running and time.monotonic() < deadline:
                _, running = ray.wait(running, num_returns=len(running), timeout=POLL_SECONDS)
        for actor in [*self.starting.values(), *self.idle, *(a for a, _ in self.busy.values())]:
            with contextlib.suppress(Exception):
                ray.kill(actor)
        self.starting, self.idle, self.busy = {}, [], {}


def _short(error: BaseException) -> str:
    return " ".join(str(error).split())[:300]


def _answers(address: str) -> bool:
    host, _, port = address.rpartition(":")
    try:
        with socket.create_connection((host, int(port)), timeout=1.0):
            return True
    except (OSError, ValueError):
        return False


class ClusterLost(Hw1Error):
    """The Ray cluster died or became unreachable while tasks ran (exit 1; what finished stays)."""


def _check_resources(total: dict[str, float], backend: RayBackend) -> None:
    """A task asking for more than the cluster has would wait forever: say so instead."""
    for name, wanted in (("CPU", backend.cpus_per_run), ("GPU", backend.gpus_per_run)):
        if wanted > total.get(name, 0.0):
            raise ResourceWarning(f"each point asks for {wanted:g} {name}(s) but the Ray cluster has {total.get(name, 0.0):g}; "
                             f"lower --{name.lower()}s-per-run or add nodes with {name}s")


def _start_ray(ray: Any, backend: RayBackend) -> None:
    """Join the cluster at --address (or RAY_ADDRESS: then Ray must not be given num_cpus), else start a local
    Ray that listens on this machine's loopback only; the caller's signal handlers stay in place."""
    handlers = {sig: signal.getsignal(sig) for sig in signals.HANDLED}
    address = cluster_address(backend.address)
    local = {} if address else {"num_cpus": backend.workers}
    # Joining: give up after CONNECT_SECONDS (Ray's default is 20 tries a second apart), and keep Ray's C++
    # warnings about each try off the terminal (fd 2 itself: they bypass sys.stderr); the failure is one line.
    quick_connect = {"RAY_gcs_server_port_wait_time_s": str(int(CONNECT_SECONDS))}
    saved = {name: os.environ.get(name) for name in quick_connect} if address else {}
    os.environ.update(quick_connect if address else {})
    try:
        with _quiet_fd2(enabled=address is not None):
            ray.init(address=address, include_dashboard=False, log_to_driver=False, logging_level=logging.ERROR,
                     configure_logging=True, **local)
    except ConnectionError as error:
        raise ClusterUnreachable(f"cannot join the Ray cluster at {address}: {' '.join(str(error).split())[:200]}") from None
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value
        for sig, handler in handlers.items():
            if handler is not None:
                signal.signal(sig, handler)


@contextlib.contextmanager
def _quiet_fd2(enabled: bool) -> Iterator[None]:
    if not enabled:
        yield
        return
    sys.stderr.flush()
    saved = os.dup(2)
    null = os.open(os.devnull, os.O_WRONLY)
    os.dup2(null, 2)
    os.close(null)
    try:
        yield
    finally:
        os.dup2(saved, 2)
        os.close(saved)
