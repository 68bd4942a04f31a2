from __future__ import annotations

import pytest

from hw1cli.errors import UsageError
from hw1cli.validate import parse_int_list


def test_int_lists_accept_repeats_and_commas() -> None:
    assert parse_int_list(["64,4", " 16 ", "4"], "--widths", "4,16") == (4, 16, 64)
    assert parse_int_list([8, 2], "--widths", "4,16") == (2, 8)


@pytest.mark.parametrize("bad", [[""], [",,"], ["4,x"], ["0"], ["-3"], []])
def test_int_lists_reject_empty_and_non_positive(bad: list[str]) -> None:
    with pytest.raises(UsageError, match="--batch-sizes"):
        parse_int_list(bad, "--batch-sizes", "16,256")
