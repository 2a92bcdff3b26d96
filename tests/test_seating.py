"""Seat picking: the best block for ``reserve --count N`` and checks of named seats."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cinema_cli.domain.errors import NotEnoughSeats, SeatNotFound, SeatUnavailable
from cinema_cli.domain.layout import Seat, parse_layout
from cinema_cli.domain.seating import best_block, candidates, requested_seats


def ids(seats: list[Seat]) -> list[str]:
    return [seat.id for seat in seats]


ROOM = parse_layout(
    [
        "A ssss.ssssss.ssss",
        "B ssss.ssssss.ssss",
        "C ssss.ssssss.ssss",
        "D ssss.ssssss.ssss",
        "E ssss.ssssss.ssss",
        "F ssss.ssssss.ssss",
        "G ssss.ssssss.ssss",
    ]
)


def test_an_empty_room_gives_the_centre_of_the_row_two_thirds_back() -> None:
    # 7 rows: the ideal row is index 4 (E); the middle block has seats 5..10
    assert ids(best_block(ROOM, set(), 2)) == ["E7", "E8"]


def test_a_block_never_spans_an_aisle() -> None:
    room = parse_layout(["A ss.ss"])
    with pytest.raises(NotEnoughSeats) as caught:
        best_block(room, set(), 3)
    assert caught.value.details["largest_block"] == 2


def test_front_rows_are_avoided_when_the_back_has_room() -> None:
    taken = {seat.id for seat in ROOM if seat.row in "EFG" and 5 <= seat.number <= 10}
    chosen = best_block(ROOM, taken, 2)
    assert chosen[0].row == "D"


def test_a_single_seat_is_not_stranded_against_a_taken_seat() -> None:
    room = parse_layout(["A ssssss"])
    # A1 taken: picking A2 A3 would strand nothing but A4..6; picking A3 A4 strands A2
    chosen = best_block(room, {"A1"}, 2)
    assert ids(chosen) in (["A2", "A3"], ["A5", "A6"])


def test_a_single_seat_is_not_stranded_against_a_wall() -> None:
    room = parse_layout(["A sssss"])
    # the centre block A2-A4 would leave A1 and A5 alone; a block at a wall avoids that
    assert ids(best_block(room, set(), 3)) in (["A1", "A2", "A3"], ["A3", "A4", "A5"])


def test_stranding_is_accepted_when_nothing_else_fits() -> None:
    room = parse_layout(["A sss"])
    assert ids(best_block(room, {"A1"}, 1)) in (["A2"], ["A3"])
    room = parse_layout(["A ss"])
    assert len(best_block(room, set(), 1)) == 1


def test_wheelchair_spaces_are_given_only_when_asked_for() -> None:
    room = parse_layout(["A wwss", "B wwcc"])
    assert ids(best_block(room, set(), 2)) == ["A3", "A4"]
    assert ids(best_block(room, set(), 2, "wheelchair"))[0] in ("A1", "B1")
    with pytest.raises(NotEnoughSeats):
        best_block(room, set(), 3)


def test_the_category_asked_for_is_kept() -> None:
    room = parse_layout(["A ssss", "B pppp"])
    assert {seat.category for seat in best_block(room, set(), 2, "premium")} == {"premium"}


def test_blocked_seats_are_never_given() -> None:
    room = parse_layout(["A sxs"])
    with pytest.raises(NotEnoughSeats):
        best_block(room, set(), 2)


def test_named_seats_are_normalized_and_checked() -> None:
    room = parse_layout(["A ssxs"])
    assert ids(requested_seats(room, ["a01", "A2", "a1"], set())) == ["A1", "A2"]
    with pytest.raises(SeatNotFound) as unknown:
        requested_seats(room, ["A9", "ZZ", "7"], set())
    assert unknown.value.details["seats"] == ["A9", "ZZ", "7"]
    with pytest.raises(SeatUnavailable) as unavailable:
        requested_seats(room, ["A1", "A3", "A4"], {"A4"})
    assert unavailable.value.details["seats"] == ["A3", "A4"]


# -- properties --------------------------------------------------------------------------------
CATEGORIES = ["standard", "premium", "wheelchair", "companion"]


@st.composite
def rooms(draw: st.DrawFn) -> tuple[list[Seat], set[str]]:
    width = draw(st.integers(1, 14))
    row_count = draw(st.integers(1, 6))
    rows = []
    for index in range(row_count):
        cells = draw(st.text(alphabet="sssspwcx.", min_size=width, max_size=width))
        if cells.strip(".") == "":
            cells = "s" + cells[1:]
        rows.append(f"{chr(ord('A') + index)} {cells}")
    seats = parse_layout(rows)
    taken = draw(st.sets(st.sampled_from([seat.id for seat in seats])))
    return seats, taken


def eligible(seat: Seat | None, taken: set[str], category: str) -> bool:
    return (
        seat is not None and not seat.blocked and seat.category == category and seat.id not in taken
    )


def all_blocks(seats: list[Seat], taken: set[str], count: int, category: str) -> list[list[Seat]]:
    """Brute force, by grid position: every run of ``count`` free cells side by side."""
    grid = {(seat.row_index, seat.column): seat for seat in seats}
    blocks = []
    for seat in seats:
        block = [grid.get((seat.row_index, seat.column + step)) for step in range(count)]
        if all(eligible(s, taken, category) for s in block):
            blocks.append([s for s in block if s is not None])
    return blocks


def strands(seats: list[Seat], taken: set[str], block: list[Seat], category: str) -> int:
    """Free seats of ``category`` that the block would leave alone beside it."""
    grid = {(seat.row_index, seat.column): seat for seat in seats}
    after = taken | {seat.id for seat in block}
    row, first, last = block[0].row_index, block[0].column, block[-1].column
    count = 0
    for beside, beyond in ((first - 1, first - 2), (last + 1, last + 2)):
        if eligible(grid.get((row, beside)), after, category) and not eligible(
            grid.get((row, beyond)), after, category
        ):
            count += 1
    return count


@settings(max_examples=300, deadline=None)
@given(rooms(), st.integers(1, 6), st.sampled_from(CATEGORIES))
def test_best_block_is_free_adjacent_and_strands_no_seat_when_avoidable(
    room: tuple[list[Seat], set[str]], count: int, category: str
) -> None:
    seats, taken = room
    blocks = all_blocks(seats, taken, count, category)
    try:
        chosen = best_block(seats, taken, count, category)
    except NotEnoughSeats:
        assert blocks == []
        return
    assert len(chosen) == count
    assert all(eligible(seat, taken, category) for seat in chosen)
    assert len({seat.row_index for seat in chosen}) == 1
    columns = [seat.column for seat in chosen]
    assert columns == list(range(columns[0], columns[0] + count))  # no aisle inside
    fewest = min(strands(seats, taken, block, category) for block in blocks)
    assert strands(seats, taken, chosen, category) == fewest


@settings(max_examples=100, deadline=None)
@given(rooms(), st.integers(1, 4))
def test_candidates_are_ordered_and_never_hold_a_taken_seat(
    room: tuple[list[Seat], set[str]], count: int
) -> None:
    seats, taken = room
    found = candidates(seats, taken, count)
    assert [c.key for c in found] == sorted(c.key for c in found)
    assert all(seat.id not in taken for c in found for seat in c.seats)
