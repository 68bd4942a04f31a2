"""Tasks on Ray (`--backend ray`): joining a cluster or starting a local one on loopback, refusing an address
where nothing answers in seconds, stop signals noted during Ray's calls and raised between them, and a head
that stops answering ended as ClusterLost (one line) before Ray's own minute-long give-up kills the process."""

from __future__ import annotations

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

# Ray retries a task whose worker process died, at most this many times (the local pool's rule too).
MAX_RETRIES = 3
POLL_SECONDS = 0.5  # how often the driver wakes while it waits, so that a signal is handled promptly
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
    pending: dict[Any, Task] = {}
    with signals.polled():
        try:
            if started_here:
                _start_ray(ray, backend)
            _check_resources(ray.cluster_resources(), backend)
            # Ray retries a task whose worker process died (max_retries); errors inside a point are results,
            # not exceptions, so they are never retried.
            remote = ray.remote(work).options(num_cpus=backend.cpus_per_run, num_gpus=backend.gpus_per_run,
                                              max_retries=MAX_RETRIES, retry_exceptions=False)
            threads = max(1, int(backend.cpus_per_run))
            pending = {remote.remote(t, threads): t for t in tasks}
            _wait_all(ray, pending, on_result, ray.get_runtime_context().gcs_address)
        finally:
            with contextlib.suppress(Exception):  # the cluster may be gone already
                for ref in pending:
                    ray.cancel(ref)  # a running point gets KeyboardInterrupt and ends as "interrupted"
            if started_here:
                with contextlib.suppress(Exception):
                    ray.shutdown()


def _wait_all(ray: Any, pending: dict[Any, Task], on_result: OnResult, head: str) -> None:
    """Report each task as it ends. Between waits: a noted stop signal is raised, and a head that stopped
    answering ends the sweep as ClusterLost within seconds (Ray would wait a minute, then exit the process
    with no chance to record the sweep's end)."""
    silent_since: float | None = None
    while pending:
        done, _ = ray.wait(list(pending), num_returns=len(pending), timeout=POLL_SECONDS)
        for ref in done:
            try:  # bounded: a task "done" while its cluster dies can block a plain get for a minute
                result = ray.get(ref, timeout=POLL_SECONDS)
            except ray.exceptions.GetTimeoutError:
                continue  # not ready after all: still pending, and the head is probed below
            except ray.exceptions.RayError as error:  # e.g. the worker died more often than max_retries
                result = failed(f"Ray: {' '.join(str(error).split())[:300]}")
            on_result(pending.pop(ref), result)
        signals.check()
        if _answers(head):
            silent_since = None
        elif silent_since is None:
            silent_since = time.monotonic()
        elif time.monotonic() - silent_since > CONNECT_SECONDS:
            raise ClusterLost(f"the Ray cluster at {head} stopped answering; finished points are kept")


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
