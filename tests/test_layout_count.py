"""A layout's sellable seats counted without building them: the same number, the same errors."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from cinema_cli.domain.layout import LayoutError, count_sellable, parse_layout

ROW_LABELS = ["A", "B", "C", "D", "E", "F"]


@given(st.lists(st.text(alphabet="sspwcx.", min_size=1, max_size=14), min_size=1, max_size=6))
def test_the_count_is_the_parsed_seats_that_are_not_blocked(cells: list[str]) -> None:
    rows = [f"{label} {row}" for label, row in zip(ROW_LABELS, cells, strict=False)]
    try:
        seats = parse_layout(rows)
    except LayoutError as error:
        with pytest.raises(LayoutError, match=str(error).split(":")[0]):
            count_sellable(rows)
        return
    assert count_sellable(rows) == sum(1 for seat in seats if not seat.blocked)


@pytest.mark.parametrize(
    ("rows", "message"),
    [
        ([], "at least one row"),
        (["A ss", "A ss"], "label A is used twice"),
        (["A ...."], "row A: has no seats"),
        (["a ss"], "is not '<label> <cells>'"),
        (["A " + "s" * 121], "at most 120 columns"),
    ],
)
def test_a_bad_layout_is_refused_as_when_parsed(rows: list[str], message: str) -> None:
    with pytest.raises(LayoutError, match=message):
        count_sellable(rows)
    with pytest.raises(LayoutError, match=message):
        parse_layout(rows)


def test_gaps_and_blocked_seats_are_not_sold() -> None:
    assert count_sellable(["A ss.sx", "B wc.pp"]) == 7
