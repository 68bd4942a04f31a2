from __future__ import annotations

import pytest

from hw1cli.errors import UsageError
from hw1cli.validate import parse_int_list


def test_int_lists_accept_repeated_options_and_commas_sorted() -> None:
    assert parse_int_list(["64,4", " 16 "], "--widths", "4,16") == (4, 16, 64)
    assert parse_int_list([8, 2], "--widths", "4,16") == (2, 8)


@pytest.mark.parametrize(("values", "message"), [(["4,8", "4"], "lists 4 twice"), (["4,,8"], "empty item")])
def test_int_lists_refuse_a_repeat_or_an_empty_item(values: list[str], message: str) -> None:
    with pytest.raises(UsageError, match=message):
        parse_int_list(values, "--widths", "4,16")


@pytest.mark.parametrize("bad", [[""], [",,"], ["4,x"], ["0"], ["-3"], []])
def test_int_lists_reject_empty_and_non_positive(bad: list[str]) -> None:
    with pytest.raises(UsageError, match="--batch-sizes"):
        parse_int_list(bad, "--batch-sizes", "16,256")
