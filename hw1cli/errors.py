"""The project's exceptions: lower layers raise these, the CLI turns them into one line and an exit code."""

import sys
import traceback


class Hw1Error(Exception):
    """A failure the user can act on; the message is shown as one line."""

    exit_code = 1


class UsageError(Hw1Error):
    """A bad option value or combination (exit code 2, like click's own usage errors)."""

    exit_code = 2


class DataError(Hw1Error):
    """Missing, truncated or corrupt data files."""

    exit_code = 1


class NotOurFile(Hw1Error):
    """A link, FIFO or other non-plain file where hw1 is about to write one of its own files: refused, never
    written through (someone planted it, or the folder is not what it seems)."""

    def __init__(self, path: object, kind: str = "a symbolic link") -> None:
        super().__init__(f"{path} is {kind}; hw1 writes only its own plain files: remove it or choose another -o")


def describe_error(error: BaseException) -> str:
    """One line for any failure: ours verbatim, memory and internal errors with a hint."""
    text = " ".join(str(error).split())
    if isinstance(error, Hw1Error):
        return text
    from hw1cli.failures import describe_os_error  # the machine's failures (full disk, read-only...) by name

    if (line := describe_os_error(error)) is not None:
        return line
    if isinstance(error, MemoryError) or "out of memory" in text.lower() or "can't allocate memory" in text.lower():
        return "out of memory: use a smaller --batch-size, --subset or model, or --device cpu"
    return f"internal error ({type(error).__name__}: {text[:300]}); rerun with --debug for the traceback"


def print_error(error: BaseException | str, *, where: str = "", debug: bool = False) -> None:
    """THE place errors reach the user: one line on stderr, "Error: [where: ]message"; the traceback too
    with --debug. `where` names the experiment inside `hw1 all`."""
    if debug and isinstance(error, BaseException):
        traceback.print_exception(error)
    message = error if isinstance(error, str) else describe_error(error)
    print(f"Error: {where + ': ' if where else ''}{message}", file=sys.stderr)
