"""Rendering the report's two documents from Jinja2 templates (hw1cli/templates/), with every value from a run
folder escaped as data: HTML entities in index.html (autoescape), Markdown and HTML specials in report.md.

Folder names, CSV cells and run.json strings are written by whoever made the folder; none of them may become
markup in either document (a `<script>` in a model name must show as text, also when report.md is rendered
by a Markdown viewer that passes inline HTML through).
"""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import quote

# Inline specials. ( ) only open a link after a ], escaped here; # + - = and "1." only open a block at a
# line's start, and the templates never start a line with a value (a cell, "Status: ...", "Key numbers: ...").
_MD_SPECIALS = re.compile(r"([\\`*_\[\]{}|~])")  # "!" opens an image only before a "["
# Quotes stay: with < escaped no tag can open, so no attribute either ("3 runs' weights" reads as written).
_MD_HTML = {"&": "&amp;", "<": "&lt;", ">": "&gt;"}
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")


class MdSafe(str):
    """Markdown the report itself wrote (never data): the Markdown template prints it as it is."""


def md_escape(value: Any) -> str:
    """`value` as literal text in Markdown: HTML specials as entities (no tag can open), Markdown's own
    specials backslash-escaped (no link, image, emphasis, code span or table cell can open), one line."""
    if isinstance(value, MdSafe):
        return str(value)
    if value is None:
        return ""
    text = _CONTROL.sub("", " ".join(str(value).splitlines()))
    text = "".join(_MD_HTML.get(char, char) for char in text)
    return _MD_SPECIALS.sub(r"\\\1", text)


def href(path: str) -> MdSafe:
    """A relative link to a file of the report's folder: every character but letters, digits and / is
    percent-encoded, so no name can end the attribute, the Markdown link, or start a javascript: URL."""
    return MdSafe(quote(path, safe="/"))  # only [A-Za-z0-9_.~/%-] remain: nothing to escape in either document


def _environment(markdown: bool) -> Any:
    import jinja2  # only when a report is written: `hw1 --help` and `hw1 check` stay light

    env = jinja2.Environment(
        loader=jinja2.PackageLoader("hw1cli", "templates"),
        autoescape=not markdown,
        finalize=md_escape if markdown else None,
        undefined=jinja2.StrictUndefined,  # a misspelt field is a bug to see, not an empty string
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.filters["href"] = href
    env.filters["md"] = md_escape
    env.filters["raw_md"] = MdSafe
    return env


def render(template: str, context: dict[str, Any]) -> str:
    """index.html.j2 (HTML-escaped) or report.md.j2 (Markdown-escaped) with `context`."""
    return _environment(template.endswith(".md.j2")).get_template(template).render(**context)
