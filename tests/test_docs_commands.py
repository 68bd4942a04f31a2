"""Every `hw1 ...` command written in README.md and docs/*.md parses: a known command with known options and
values of the right kind (the `--help` level: nothing runs)."""

from __future__ import annotations

import re
import shlex
from pathlib import Path

import pytest
import typer

from hw1cli.cli import build_app
from hw1cli.commands.click_compat import exceptions as click_errors

ROOT = Path(__file__).resolve().parents[1]
PAGES = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]


def commands_in(text: str) -> list[str]:
    """`hw1 ...` as written in code blocks and inline code, one per shell segment (&&, |, ;)."""
    found = []
    blocks = re.findall(r"```(?:bash|sh|shell|console)?\n(.*?)```", text, flags=re.S)
    inline = re.findall(r"`(hw1 [^`]+)`", text)
    for chunk in [*blocks, *inline]:
        for line in chunk.replace("\\\n", " ").splitlines():
            line = line.split(" #")[0].strip().removeprefix("$ ")
            for segment in re.split(r"&&|\|\||;|\|", line):
                segment = segment.strip()
                if segment.startswith("hw1 ") and "..." not in segment and "[" not in segment.split()[1]:
                    found.append(segment)
    return found


CASES = [(page.name, command) for page in PAGES for command in commands_in(page.read_text(encoding="utf-8"))]


def test_the_pages_hold_commands_to_check() -> None:
    assert len(CASES) >= 20, CASES


@pytest.mark.parametrize(("page", "command"), CASES, ids=[f"{p}: {c[:60]}" for p, c in CASES])
def test_a_documented_command_parses(page: str, command: str) -> None:
    group = typer.main.get_command(build_app())
    args = shlex.split(command)[1:]
    if not args or args[0].startswith("-"):
        return  # `hw1 --version`, `hw1 --help`
    assert args[0] in group.commands, f"{page}: unknown command in {command!r}"
    sub = group.commands[args[0]]
    if "--help" in args:
        return
    try:
        with sub.make_context(args[0], args[1:]):
            pass
    except click_errors.UsageError as error:
        pytest.fail(f"{page}: {command!r} does not parse: {error.format_message()}")
