"""Imported by the pool's fork server before anything else it preloads (executor.PRELOAD), never elsewhere.

Its import is its work: the fork server ignores Ctrl-C while it imports torch (seconds in which a Ctrl-C
used to print its traceback), the workers it forks inherit that until their initializer runs, and it dies
with the driver even while an import hangs.
"""

import os

from hw1cli.sweep.pool_child import die_with_parent, ignore_interrupts

ignore_interrupts()
die_with_parent(os.getppid())
