"""End-of-run tables for the terminal that never split a number or a word, whatever the width.

Rich folds a cell mid-token when a table is wider than the terminal (0.061 / 58, compl / eted). Here each
column's width is set from its content: numbers and names never wrap; only the text columns named `wrap`
wrap, at spaces. If that does not fit, the lowest-priority columns are left out (the full table is in the
run's CSV, which the caller names); if even one column per row does not fit, each row is printed as a block of
"column: value" lines. Every string from a run folder is shown as text: Rich markup escaped, terminal
control characters removed.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from typing import Any

from rich.console import Console
from rich.markup import escape
from rich.table import Table
from rich.text import Text

# C0 controls but tab and newline, DEL, C1 controls (ESC starts ANSI colour and OSC title/hyperlink sequences)
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")
_BORDER = 3  # per column: a space each side and a rule
MAX_WRAPPED = 60  # a text column wider than this wraps (at spaces)
Styler = Callable[[str, str], str]


def _no_style(column: str, value: str) -> str:
    return ""


def table_console() -> Console:
    """stdout as tables see it: the terminal's width, or $COLUMNS, else 160 (a CI log has no width; 160
    keeps most tables horizontal without wrapping lines a log viewer would wrap again)."""
    import os
    import sys

    wide = sys.stdout.isatty() or os.environ.get("COLUMNS", "").isdigit()
    return Console(width=None if wide else 160, highlight=False)


def plain(value: Any) -> str:
    """`value` as text for a terminal: control characters (ANSI/OSC escapes) removed, one line."""
    return _CONTROL.sub("", " ".join(str(value).split("\n"))) if value is not None else ""


def markup_safe(value: Any) -> str:
    """`value` as literal text inside a Rich markup string: `[/x]` in a model name prints as [/x]."""
    return escape(plain(value))


def cell(value: Any) -> str:
    """A summary value as the terminal shows it: floats to 4 significant digits, booleans as yes/no."""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float):
        return f"{value:.4g}"
    return plain(value)


def _longest_word(text: str) -> int:
    return max((len(word) for word in text.split()), default=0)


def print_table(console: Console, title: str, columns: Sequence[str], rows: Sequence[Sequence[str]], *,
                priority: Sequence[str] = (), wrap: Sequence[str] = (), style: Styler | None = None,
                more: str = "") -> None:
    """Print `rows` (already text) under `columns` within the console's width.

    priority: the columns always shown (the others are left out, last first, until the table fits; if these
    alone do not fit, the rows are printed as blocks);
    wrap: text columns that may wrap at spaces; style: (column, value) -> a Rich style (the text stays literal);
    more: where the full table is, said when columns are left out ("summary.csv").
    """
    width = console.width
    rows = [[plain(v) for v in row] for row in rows]
    shown = list(range(len(columns)))
    droppable = [i for i in reversed(shown) if columns[i] not in priority]  # the last such column goes first
    widths = _widths(columns, rows, wrap)
    while droppable and sum(widths[i][0] + _BORDER for i in shown) + 1 > width:
        shown.remove(droppable.pop(0))
    if sum(widths[i][0] + _BORDER for i in shown) + 1 > width:  # even the priority columns do not fit
        _print_vertical(console, title, columns, rows, style or _no_style)
        return
    spare = width - 1 - sum(widths[i][0] + _BORDER for i in shown)
    table = Table(title=Text(plain(title)), title_justify="left")
    for i in shown:
        low, high = widths[i]
        grow = min(high - low, spare)
        spare -= grow
        table.add_column(Text(columns[i]), width=low + grow, no_wrap=columns[i] not in wrap, overflow="fold")
    for row in rows:
        table.add_row(*[Text(row[i], style=(style or _no_style)(columns[i], row[i])) for i in shown])
    console.print(table)
    left_out = [columns[i] for i in range(len(columns)) if i not in shown]
    if left_out:
        where = f" (all in {more})" if more else ""
        noun = "column" if len(left_out) == 1 else "columns"
        console.print(Text(f"{len(left_out)} more {noun}{where}: {', '.join(left_out)}"))  # wraps at spaces


def _widths(columns: Sequence[str], rows: Sequence[Sequence[str]], wrap: Sequence[str]) -> list[tuple[int, int]]:
    """(narrowest without splitting a token, natural) width per column. A header wraps at its spaces."""
    out = []
    for i, name in enumerate(columns):
        values = [row[i] for row in rows]
        natural = max([len(name), *map(len, values)])
        if name in wrap:
            low = max([_longest_word(name), *map(_longest_word, values)])
            out.append((low, max(low, min(natural, MAX_WRAPPED))))
        else:
            low = max([_longest_word(name), *map(len, values)])
            out.append((low, max(low, natural)))
    return out


def _print_vertical(console: Console, title: str, columns: Sequence[str], rows: Sequence[Sequence[str]],
                    style: Styler) -> None:
    """Narrow terminals: one block per row, a "column: value" line per cell (long values wrap at spaces)."""
    console.print(Text(plain(title), style="italic"))
    for number, row in enumerate(rows, 1):
        header = Text(f"— {number} of {len(rows)}", style="bold")
        for name, value in zip(columns, row):
            if not name:  # a column without a name (hw1 check's ✔/✘/?) belongs beside the row's number
                header.append(" " + value, style=style(name, value))
        console.print(header)
        for name, value in zip(columns, row):
            if not name:
                continue
            line = Text(f"  {name}: ")
            line.append(value, style=style(name, value))
            console.print(line)
