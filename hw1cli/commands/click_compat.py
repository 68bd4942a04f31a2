"""Typer >= 0.25 vendors its own copy of click (typer._click); older Typer uses the click package.

Exceptions and parameter sources must come from the copy Typer really runs on, or `except` misses them.
"""

try:
    from typer._click import exceptions
    from typer._click.core import ParameterSource
except ImportError:  # older Typer on the click package
    from click import exceptions  # type: ignore[no-redef]
    from click.core import ParameterSource  # type: ignore[no-redef]

__all__ = ["ParameterSource", "exceptions"]
