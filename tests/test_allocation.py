"""Seat allocation: groups split over rows, wheelchair spaces with their companions.

Property tests draw random small rooms and occupancy and compare the allocator with a
brute-force search over every arrangement the rules allow.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from datetime import UTC, datetime, timedelta
from itertools import product

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cinema_cli.domain.allocation import allocate
from cinema_cli.domain.companions import check_companions, companion_pairs
from cinema_cli.domain.errors import CompanionSeatRestricted, NotEnoughSeats
from cinema_cli.domain.layout import Seat, parse_layout
from cinema_cli.domain.seating import free_runs

STANDARD = "standard"


def room(*rows: str) -> list[Seat]:
    return parse_layout(list(rows))


def ids(seats: Sequence[Seat]) -> list[str]:
    return [seat.id for seat in seats]


# --- examples -----------------------------------------------------------------------------------
def test_a_group_no_row_can_seat_is_split_4_plus_4_in_rows_behind_each_other() -> None:
    seats = room("A ssss.ssss", "B ssss.ssss")
    taken = {"A1", "A2", "A3", "A4"}

    assert sorted(ids(allocate(seats, taken, 8))) == sorted(
        ["A5", "A6", "A7", "A8", "B5", "B6", "B7", "B8"]
    )


def test_together_refuses_a_split_and_names_the_largest_block() -> None:
    seats = room("A ssss.ssss", "B ssss.ssss")

    with pytest.raises(NotEnoughSeats, match="largest free block has 4") as refused:
        allocate(seats, set(), 8, together=True)
    assert refused.value.details["largest_block"] == 4


def test_a_split_prefers_aligned_parts() -> None:
    seats = room("A sssss.sssss", "B sssss.sssss")
    taken = {"A1", "A2", "A3", "A4", "A5", "B9", "B10"}

    chosen = allocate(seats, taken, 6)

    assert sorted(ids(chosen)) == sorted(["A6", "A7", "A8", "B6", "B7", "B8"])


def test_a_split_takes_another_row_rather_than_strand_a_seat() -> None:
    seats = room("A sssss", "B ss", "C sssss")
    runs = free_runs(seats, set(), STANDARD)

    chosen = allocate(seats, set(), 6)

    parts: dict[int, list[Seat]] = {}
    for seat in chosen:
        parts.setdefault(seat.row_index, []).append(seat)
    assert sorted(parts) == [0, 1, 2]
    assert sum(stranded(part, runs) for part in parts.values()) == 0


def test_companions_pair_with_the_space_beside_them() -> None:
    seats = room("A cwwc", "B wcwc", "C cw.wc", "D wsc")

    assert companion_pairs(seats) == {
        "A1": "A2",
        "A4": "A3",
        "B2": "B1",
        "B4": "B3",
        "C1": "C2",
        "C4": "C3",
    }


def test_wheelchair_spaces_come_with_companions_and_the_rest_beside_them() -> None:
    seats = room("A ssssssss", "B wcssssss")

    chosen = allocate(seats, set(), 4, wheelchair=1)

    assert ids(chosen) == ["B1", "B2", "B3", "B4"]


def test_a_wheelchair_space_whose_companion_is_taken_is_passed_over() -> None:
    seats = room("A wcssss", "B wcssss")

    chosen = allocate(seats, {"B2"}, 2, wheelchair=1)

    assert ids(chosen) == ["A1", "A2"]


def test_no_free_wheelchair_space_is_not_enough_seats() -> None:
    seats = room("A wcss", "B ssss")

    with pytest.raises(NotEnoughSeats, match="wheelchair"):
        allocate(seats, {"A1"}, 2, wheelchair=1)


def test_companion_seats_alone_are_refused_until_the_release() -> None:
    seats = room("A wcss")
    start = datetime(2026, 12, 4, 20, 0, tzinfo=UTC)
    hour = timedelta(minutes=60)
    companion = [seats[1]]

    with pytest.raises(CompanionSeatRestricted) as refused:
        check_companions(seats, companion, starts_at=start, now=start - 2 * hour, release=hour)
    assert refused.value.code == "companion_seat_restricted"
    assert refused.value.exit_code == 4
    check_companions(seats, seats[:2], starts_at=start, now=start - 2 * hour, release=hour)
    check_companions(seats, companion, starts_at=start, now=start - hour, release=hour)


# --- properties ---------------------------------------------------------------------------------
def stranded(part: Sequence[Seat], runs: list[list[Seat]]) -> int:
    """Single free seats a part leaves on either side within its run."""
    run = next(run for run in runs if part[0] in run)
    left = run.index(part[0])
    right = len(run) - run.index(part[-1]) - 1
    return (left == 1) + (right == 1)


def arrangements(seats: Sequence[Seat], taken: set[str], count: int) -> Iterator[list[list[Seat]]]:
    """Every arrangement the rules allow: blocks of consecutive free seats, one per row, in
    consecutive rows (a single block when any row has one)."""
    runs = free_runs(seats, taken, STANDARD)
    blocks: dict[tuple[int, int], list[list[Seat]]] = {}
    for run in runs:
        for size in range(1, len(run) + 1):
            for start in range(len(run) - size + 1):
                row = run[0].row_index
                blocks.setdefault((row, size), []).append(run[start : start + size])
    singles = [block for (_, size), found in blocks.items() if size == count for block in found]
    if singles:
        yield from ([block] for block in singles)
        return
    rows = sorted({row for row, _ in blocks})
    for parts in range(2, count + 1):
        for first in rows:
            for sizes in compositions(count, parts):
                options = [blocks.get((first + i, size), []) for i, size in enumerate(sizes)]
                yield from (list(choice) for choice in product(*options))


def compositions(total: int, parts: int) -> Iterator[tuple[int, ...]]:
    """Every way to write ``total`` as ``parts`` positive sizes, in order."""
    if parts == 1:
        yield (total,)
        return
    for first in range(1, total - parts + 2):
        yield from ((first, *rest) for rest in compositions(total - first, parts - 1))


def rooms(cells: str) -> st.SearchStrategy[list[str]]:
    """Layouts of one to five rows of up to seven cells drawn from ``cells``."""
    return st.lists(
        st.text(alphabet=cells, min_size=1, max_size=7).filter(lambda r: r.strip(".")),
        min_size=1,
        max_size=5,
    ).map(lambda rows: [f"{chr(65 + i)} {cells}" for i, cells in enumerate(rows)])


@st.composite
def occupied_rooms(
    draw: st.DrawFn, cells: str = "sssssswcx.", taken_share: int = 1
) -> tuple[list[Seat], set[str], int]:
    """A room, its taken seats (at most ``1 / taken_share`` of them) and a group size."""
    seats = parse_layout(draw(rooms(cells)))
    most = len(seats) // taken_share
    taken = set(draw(st.lists(st.sampled_from(ids(seats)), max_size=most)))
    return seats, taken, draw(st.integers(1, 7))


@settings(max_examples=300, deadline=None)
# Mostly standard seats, a third taken at most: rooms where splits compete.
@given(occupied_rooms(cells="sssssssw.", taken_share=3))
def test_the_allocation_is_free_standard_seats_of_the_right_count_and_strands_nobody_needlessly(
    case: tuple[list[Seat], set[str], int],
) -> None:
    seats, taken, count = case
    runs = free_runs(seats, taken, STANDARD)
    possible = list(arrangements(seats, taken, count))
    try:
        chosen = allocate(seats, taken, count)
    except NotEnoughSeats:
        assert possible == []
        return
    assert len(chosen) == count == len(set(ids(chosen)))
    assert all(not s.blocked and s.id not in taken and s.category == STANDARD for s in chosen)
    parts: dict[int, list[Seat]] = {}
    for seat in sorted(chosen, key=lambda s: (s.row_index, s.column)):
        parts.setdefault(seat.row_index, []).append(seat)
    assert [arrangement for arrangement in possible if sorted(
        ids([s for part in arrangement for s in part])
    ) == sorted(ids(chosen))], "the allocation is one of the allowed arrangements"  # fmt: skip
    if any(sum(stranded(part, runs) for part in a) == 0 for a in possible):
        assert sum(stranded(part, runs) for part in parts.values()) == 0


@settings(max_examples=300, deadline=None)
@given(occupied_rooms(), st.integers(1, 2))
def test_wheelchair_spaces_are_given_only_as_such_and_with_their_companions(
    case: tuple[list[Seat], set[str], int], wheelchair: int
) -> None:
    seats, taken, count = case
    count = max(count, wheelchair)
    pairs = companion_pairs(seats)
    try:
        chosen = allocate(seats, taken, count, wheelchair=wheelchair)
    except NotEnoughSeats:
        return
    assert len(chosen) == count == len(set(ids(chosen)))
    assert all(not s.blocked and s.id not in taken for s in chosen)
    spaces = {s.id for s in chosen if s.category == "wheelchair"}
    companions = [s.id for s in chosen if s.category == "companion"]
    assert len(spaces) == wheelchair
    assert len(companions) == min(wheelchair, count - wheelchair)
    assert all(pairs[companion] in spaces for companion in companions)
    assert all(s.category in ("wheelchair", "companion", STANDARD) for s in chosen)


@settings(max_examples=200, deadline=None)
@given(occupied_rooms())
def test_without_wheelchair_no_space_or_companion_is_ever_given(
    case: tuple[list[Seat], set[str], int],
) -> None:
    seats, taken, count = case
    try:
        chosen = allocate(seats, taken, count)
    except NotEnoughSeats:
        return
    assert {s.category for s in chosen} == {STANDARD}
