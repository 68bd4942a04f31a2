"""How many CPU cores this process may use and how many of them other processes keep busy right now.

Torch-free, so that a driver (`hw1 all` choosing how many experiments to run at once) can ask before anything
imports torch; runtime.default_threads asks the same for one run's threads.
"""

from __future__ import annotations

import math
import os
import time
from pathlib import Path


def usable_cores() -> int:
    """Cores this process may run on: its CPU affinity, capped by a cgroup CPU quota (containers, CI)."""
    try:
        cores = len(os.sched_getaffinity(0))
    except (AttributeError, OSError):  # macOS, Windows
        cores = os.cpu_count() or 1
    quota = _cgroup_quota_cores()
    return max(1, min(cores, quota) if quota else cores)


def _cgroup_quota_cores() -> int | None:
    for path, split in ((Path("/sys/fs/cgroup/cpu.max"), None),
                        (Path("/sys/fs/cgroup/cpu/cpu.cfs_quota_us"), Path("/sys/fs/cgroup/cpu/cpu.cfs_period_us"))):
        try:
            if split is None:
                quota, period = path.read_text().split()[:2]
            else:
                quota, period = path.read_text().strip(), split.read_text().strip()
            if quota not in ("max", "-1"):
                return max(1, math.ceil(int(quota) / int(period)))
        except (OSError, ValueError):
            continue
    return None


def busy_cores(cores: int, samples: int = 10, interval: float = 0.005) -> float:
    """How many of `cores` other processes keep busy right now: the runnable threads of the whole machine
    (/proc/loadavg's 4th field), minus this process's own, averaged over `samples` readings 5 ms apart (one
    reading is a snapshot; the load averages lag by a minute, and in `hw1 all` they count our own last run).
    Where /proc is missing, the 1-minute load average stands in."""
    try:
        readings = []
        for i in range(samples):
            running = int(Path("/proc/loadavg").read_text().split()[3].split("/")[0])
            readings.append(max(0, running - _own_running_threads()))
            if i + 1 < samples:
                time.sleep(interval)
        busy = sum(readings) / len(readings)
    except (OSError, ValueError, IndexError):
        try:
            busy = os.getloadavg()[0]
        except (AttributeError, OSError):
            return 0.0
    # The machine's runnable threads share all its CPUs; only our share of them competes with us.
    return min(float(cores), busy * cores / max(cores, os.cpu_count() or cores))


def _own_running_threads() -> int:
    """Threads of this process in state R (this reader, and OpenMP workers still spinning after a step)."""
    count = 0
    for task in Path("/proc/self/task").iterdir():
        try:
            stat = (task / "stat").read_text()
        except OSError:
            continue
        count += stat[stat.rindex(")") + 2] == "R"  # the state follows the command name, which may hold spaces
    return max(1, count)


def free_cores() -> int:
    """The usable cores that nothing else is running on right now, at least one."""
    cores = usable_cores()
    return max(1, cores - round(busy_cores(cores)))
