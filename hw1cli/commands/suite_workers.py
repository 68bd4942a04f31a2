"""`hw1 all --workers N`: the suite's experiments at once, on a local process pool or on Ray; rows in suite order.

Every experiment's request was parsed and checked by the suite before anything runs; a worker runs it. On
this machine it runs in its own folder (`run_in_place`), exactly as the sequential suite runs it: a rerun
keeps .previous/ until the new run stands, --resume continues where it stopped. Ray workers share no disk
with this one, so there an experiment runs in a temporary folder (`run_point`), given the run's own files
when it resumes, and its files come back file by file (`write_back`: nothing else in the folder is touched);
a failed rerun leaves the folder's earlier run in place, as the sequential suite does. Stop signals are the
suite's (signals.py).
"""

from __future__ import annotations

import importlib.util
import math
import sys
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

from hw1cli.configs.choices import choice
from hw1cli.cores import free_cores, usable_cores
from hw1cli.errors import UsageError, print_error
from hw1cli.progress import ProgressView
from hw1cli.report import headline
from hw1cli.run_copy import resume_inputs, write_back
from hw1cli.run_record import RUN_FILE
from hw1cli.runner import STATUS_BY_CODE as RUN_STATUS_BY_CODE
from hw1cli.runner import RunRequest
from hw1cli.signals import Terminated, stop_code
from hw1cli.sweep.executor import Backend, LocalBackend, RayBackend, Task, run_tasks, start_fork_server
from hw1cli.sweep.ray_tasks import check_address
from hw1cli.sweep.worker import PointResult, run_in_place, run_point

SUITE_STATUS_BY_CODE = {**RUN_STATUS_BY_CODE, 2: "bad options"}  # an experiment's exit code, as the suite's table says it
SuiteBackendName = choice("SuiteBackend", ("local", "ray"))
Row = tuple[str, str, float, str]  # experiment, status, seconds, key numbers: one line of the suite's table

# The order experiments start in when several run at once: the longest expected first, so that the short ones
# fill the gaps at the end instead of a long one starting last. Seconds of the default suite, 2 at once, one
# thread each, on a 2-core AMD EPYC VM (2026-12-04 07:26 and 07:32, the mean of two rounds of
# benchmarks/bench_suite.py, after params', sensitivity's and interpolate's --eval-every 0).
EXPECTED_SECONDS = {"randlabel": 57.4, "mnist": 52.3, "simulate": 50.8, "sensitivity": 48.0, "params": 46.3,
                    "minratio": 19.9, "pca": 9.5, "interpolate": 9.3, "gradnorm": 2.2}
# What each seed beyond the first adds, as a share of one seed's time: mnist's and params' seeds train one
# after another; simulate's train in one stack with the others. Measured with --seeds 3 on the same VM
# (2026-12-04): mnist 187 s, params 202 s, simulate 107 s. Starting in the default suite's order, mnist and
# params ended on one worker, 388 s; longest first by these estimates puts them on two.
EXTRA_SEED_SHARE = {"mnist": 1.0, "params": 1.0, "simulate": 0.5}


def threads_per_worker(workers: int) -> int:
    """torch CPU threads for each of `workers` experiments at once: the cores shared out (at least one each),
    so that N experiments do not fight over the cores as N x cores threads."""
    return max(1, usable_cores() // workers)


def choose_backend(name: str, workers: int | None, address: str | None, *, experiments: int = 1,
                   device: str = "cpu") -> Backend | None:
    """The backend for --workers/--backend/--address (None workers: auto_workers for `experiments` on
    `device`); None: one after another in this process, as before."""
    local = name == "local" and address is None
    # A local pool's fork server starts as soon as a pool is known: its imports overlap the driver's own (torch
    # for --device auto) and its checks of every experiment's options.
    if workers is None:
        workers = auto_workers(address, experiments, device, on_cpu_pool=start_fork_server if local else None)
    elif local and workers > 1:
        start_fork_server()
    if workers < 1:
        raise UsageError(f"--workers must be at least 1, not {workers}")
    if name == "local":
        if address is not None:
            raise UsageError("--address needs --backend ray")
        return LocalBackend(workers, threads_per_worker(workers)) if workers > 1 else None
    if importlib.util.find_spec("ray") is None:  # not imported here: a local Ray is set up before its import
        raise UsageError("--backend ray needs Ray: pip install -e '.[ray]'")
    check_address(address)  # nothing listening there: said in seconds, before anything is written
    threads = threads_per_worker(workers)
    # A Ray started here gets workers x threads CPUs; each experiment asks for `threads` of them.
    return RayBackend(address, float(threads), 0.0, workers * threads)


def auto_workers(address: str | None, experiments: int, device: str,
                 on_cpu_pool: Callable[[], None] | None = None) -> int:
    """`hw1 all`'s default --workers: on the CPU, as many experiments at once as cores are free (one thread
    each), at most one per experiment. Measured on a 2-core VM, the default suite took 293.5 s with 2 at
    once against 441.3 s one after another on 2 threads each (benchmarks/bench_suite.py): small models
    and full-set evaluations use a second thread poorly, a second process well. One on a GPU (the
    experiments would share it), and one on a Ray cluster given by --address, whose cores are not ours
    to count.

    The free cores are counted before --device auto imports torch to look for a GPU, and `on_cpu_pool` runs
    between the two when a pool looks likely (the suite starts its fork server there; on a machine with a GPU
    that server then idles until the suite ends)."""
    if experiments <= 1 or address is not None or device.startswith("cuda"):
        return 1
    workers = max(1, min(experiments, free_cores()))  # before anything of ours keeps a core busy
    if workers == 1:
        return 1
    if on_cpu_pool is not None:
        on_cpu_pool()
    return 1 if device == "auto" and uses_gpu(device) else workers


def uses_gpu(device: str) -> bool:
    """Whether --device sends the experiments to a GPU; `auto` asks torch (imported only then)."""
    if device != "auto":
        return device.startswith("cuda")
    from hw1cli.runtime import resolve_device  # torch: not needed by --device cpu

    return resolve_device(device).type != "cpu"


def run_concurrently(backend: Backend, names: Sequence[str], requests: Mapping[str, RunRequest],
                     argvs: Mapping[str, list[str]], refused: Mapping[str, str], finished: Mapping[str, str], root: Path,
                     quiet: bool) -> tuple[list[Row], int]:
    """Run the checked `requests` (folders ROOT/NAME; `argvs` the words run.json records) at once: the
    sequential suite's rows for every name, in suite order, and 130/143/129 if a stop signal came (the
    caller installed signals.py's handlers), 1 if the backend itself failed, else 0. A stop cancels what
    has not finished; what has stays."""
    before = {name: (name, "bad options", 0.0, f"{name}: {problem}") for name, problem in refused.items()}
    before.update({name: (name, status, 0.0, headline(name, root / name)) for name, status in finished.items()})
    on_ray = isinstance(backend, RayBackend)
    # experiments at once, for run.json (a Ray started here has workers x threads CPUs; 0: a cluster's own count)
    workers = backend.workers if isinstance(backend, LocalBackend) else int((backend.workers or 0) // backend.cpus_per_run)
    tasks = [_task(name, requests[name], argvs[name], root / name, on_ray, workers)
             for name in start_order(names, {n: r.config for n, r in requests.items()}) if name in requests]
    ran: dict[str, Row] = {}
    code = 0
    try:
        with ProgressView(quiet=quiet) as view:
            bar = view.task("hw1 all", total=len(names))
            bar.advance(len(names) - len(tasks))

            def record(task: Task, result: PointResult) -> None:
                ran[task.key] = row = _record(task.key, root / task.key, result, on_ray)
                # the experiments' own bars are off (they would draw over each other): a line as each ends
                view.say(f"{task.key}: {row[1]} in {row[2]:.0f} s")
                bar.advance()

            run_tasks(tasks, backend, record, work=run_point if on_ray else run_in_place)
    except (KeyboardInterrupt, Terminated) as stop:
        code = stop_code(stop)
    except Exception as error:  # e.g. the Ray cluster went away
        print_error(error, where="the suite's backend stopped")
        code = 1
    stopped = "failed" if code == 1 else "interrupted"
    rows = [before.get(name) or ran.get(name) or (name, stopped, 0.0, "") for name in names]
    return rows, code


def start_order(names: Sequence[str], configs: Mapping[str, Any] | None = None) -> list[str]:
    """`names` in the order to start them: the longest expected first (`expected_seconds`), one it does not
    know (a newly registered experiment) before those, as it may be long. The suite's table keeps the
    suite's order."""
    configs = configs or {}
    return sorted(names, key=lambda name: -expected_seconds(name, configs.get(name)))


def expected_seconds(name: str, config: Any = None) -> float:
    """About how long `name` takes with `config` (its --seeds counted), for ordering only; inf if unknown."""
    if name not in EXPECTED_SECONDS:
        return math.inf
    extra_seeds = int(getattr(config, "seeds", 1)) - 1  # configs check seeds >= 1; no config: one
    return EXPECTED_SECONDS[name] * (1 + EXTRA_SEED_SHARE.get(name, 0.0) * extra_seeds)


def _task(name: str, request: RunRequest, argv: list[str], folder: Path, on_ray: bool, workers: int) -> Task:
    resumes = on_ray and request.resume and folder.is_dir()  # a Ray worker resumes from the folder's files
    inputs = resume_inputs(folder) if resumes else {}  # the run's own plain files only, never through a link
    return Task(name, request, (name, *argv), inputs, suite_argv=tuple(sys.argv), suite_workers=workers)


def _record(name: str, folder: Path, result: PointResult, on_ray: bool) -> Row:
    """Print what went wrong, put a Ray run's files in place, and make its row."""
    if result.error:
        print_error(result.error, where=name)
    if on_ray and result.files and not (result.status == "failed" and (folder / RUN_FILE).exists()):
        for left in write_back(folder, result.files):  # file by file: the rest of the folder stays as it is
            print_error(f"{folder / left} is not a plain file hw1 wrote; left as it is, the run's copy not written", where=name)
    status = SUITE_STATUS_BY_CODE.get(result.code, "failed")
    return name, status, result.seconds, headline(name, folder) if result.code in (0, 3) else ""
