"""The project's exceptions: lower layers raise these, the CLI turns them into one line and an exit code."""


class Hw1Error(Exception):
    """A failure the user can act on; the message is shown as one line."""

    exit_code = 1


class UsageError(Hw1Error):
    """A bad option value or combination (exit code 2, like click's own usage errors)."""

    exit_code = 2


class DataError(Hw1Error):
    """Missing, truncated or corrupt data files."""

    exit_code = 1
