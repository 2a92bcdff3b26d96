"""Seat picking: which seats a reservation gets.

Which seats are taken now is :func:`taken_seats` (the seat map and ``reserve`` both ask it).
Two ways in:

* :func:`best_block` picks ``count`` seats for ``cinema reserve --count N``;
* :func:`requested_seats` checks seats named by the person (``cinema reserve S1 C7 C8``).

Both are pure functions over :class:`~cinema_cli.domain.layout.Seat` and the set
of seat ids that are already taken (sold or held live by someone else).

``reserve --count`` goes through :mod:`cinema_cli.domain.allocation`, which uses
:func:`best_block` first and splits a group over rows (:mod:`.groups`) or adds wheelchair
spaces with their companion seats (:mod:`.companions`) as asked.

How the best block is chosen, most important rule first:

1. Only seats of the category asked for (default ``standard``); wheelchair spaces
   and companion seats are given only when that category is asked for. Blocked
   (``x``) and taken seats are never given.
2. The seats sit next to each other in one row: consecutive columns of the drawn
   layout, so a block never spans an aisle or gap.
3. A block never leaves a single free seat stranded between itself and a taken
   seat, a wall, an aisle or a seat of another category, when another block
   avoids it (fewest stranded seats wins).
4. Nearest the best spot in the room: the row about two thirds of the way back
   (rows in front of it cost more than rows behind it) and the centre column.
5. Ties go to the row further back, then to the leftmost block.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence, Set
from dataclasses import dataclass
from datetime import datetime
from itertools import groupby

from cinema_cli.domain.errors import NotEnoughSeats, SeatNotFound, SeatUnavailable
from cinema_cli.domain.layout import Seat, normalize_seat_id
from cinema_cli.domain.models import MAX_SEATS_PER_RESERVATION, SeatClaim

__all__ = [
    "MAX_SEATS_PER_RESERVATION",
    "best_block",
    "candidates",
    "requested_seats",
    "taken_seats",
]

DEFAULT_CATEGORY = "standard"

IDEAL_ROW_DEPTH = 2 / 3
"""The preferred row sits this far back from the screen (0 = front row, 1 = last row)."""

FRONT_PENALTY = 1.5
"""Each row in front of the ideal row costs this much more than a row behind it."""


@dataclass(frozen=True, slots=True)
class Candidate:
    """One possible block, with why it scores as it does (lower is better)."""

    seats: tuple[Seat, ...]
    stranded: int
    distance: float

    @property
    def key(self) -> tuple[int, float, int, int]:
        first = self.seats[0]
        return (self.stranded, round(self.distance, 9), -first.row_index, first.column)


def taken_seats(
    claims: Iterable[SeatClaim], now: datetime, *, ignoring: Set[str | None] = frozenset()
) -> dict[str, SeatClaim]:
    """The seats taken at ``now``, each with the claim that takes it.

    A seat is taken by a sale, or by a hold that has not expired (a hold expiring exactly
    at ``now`` is dead). Claims of the reservations in ``ignoring`` do not count: a session
    reserving again may reuse the seats of the hold it replaces.
    """
    return {
        claim.seat_id: claim
        for claim in claims
        if claim.is_live(now) and claim.reservation_id not in ignoring
    }


def is_free(seat: Seat, taken: Set[str], category: str) -> bool:
    """Whether ``seat`` may go into a block of ``category`` seats."""
    return not seat.blocked and seat.category == category and seat.id not in taken


def free_runs(seats: Iterable[Seat], taken: Set[str], category: str) -> list[list[Seat]]:
    """Maximal runs of free seats of ``category`` in consecutive columns of one row."""
    runs: list[list[Seat]] = []
    ordered = sorted(seats, key=lambda seat: (seat.row_index, seat.column))
    for _, row in groupby(ordered, key=lambda seat: seat.row_index):
        run: list[Seat] = []
        for seat in row:
            if not is_free(seat, taken, category):
                if run:
                    runs.append(run)
                run = []
                continue
            if run and seat.column != run[-1].column + 1:
                runs.append(run)
                run = []
            run.append(seat)
        if run:
            runs.append(run)
    return runs


def candidates(
    seats: Sequence[Seat], taken: Set[str], count: int, category: str = DEFAULT_CATEGORY
) -> list[Candidate]:
    """Every block of ``count`` free seats, scored; best first."""
    if count < 1:
        raise ValueError("count must be at least 1")
    if not seats:
        return []
    rows = max(seat.row_index for seat in seats) + 1
    ideal_row = (rows - 1) * IDEAL_ROW_DEPTH
    first_column = min(seat.column for seat in seats)
    last_column = max(seat.column for seat in seats)
    centre = (first_column + last_column) / 2
    depth = max(rows - 1, 1)
    width = max(last_column - first_column, 1)

    found: list[Candidate] = []
    for run in free_runs(seats, taken, category):
        for offset in range(len(run) - count + 1):
            block = tuple(run[offset : offset + count])
            left, right = offset, len(run) - count - offset
            stranded = (left == 1) + (right == 1)
            row_offset = (block[0].row_index - ideal_row) / depth
            row_cost = -row_offset * FRONT_PENALTY if row_offset < 0 else row_offset
            middle = (block[0].column + block[-1].column) / 2
            found.append(Candidate(block, stranded, row_cost + abs(middle - centre) / width))
    found.sort(key=lambda candidate: candidate.key)
    return found


def best_block(
    seats: Sequence[Seat], taken: Set[str], count: int, category: str = DEFAULT_CATEGORY
) -> list[Seat]:
    """The best ``count`` free seats side by side (see the module docstring).

    Raises :class:`NotEnoughSeats` when no row has that many free seats of
    ``category`` next to each other.
    """
    found = candidates(seats, taken, count, category)
    if not found:
        runs = free_runs(seats, taken, category)
        largest = max((len(run) for run in runs), default=0)
        raise NotEnoughSeats(
            f"no {count} {category} seats side by side are free"
            + (f" (the largest free block has {largest})" if largest else ""),
            count=count,
            category=category,
            largest_block=largest,
            hint="ask for fewer seats, another --category, or name the seats",
        )
    return list(found[0].seats)


def requested_seats(seats: Sequence[Seat], labels: Iterable[str], taken: Set[str]) -> list[Seat]:
    """The seats a person named, checked: each exists, is sellable and is not taken.

    Labels are normalized (``c07`` -> ``C7``); a label named twice counts once.
    Raises :class:`SeatNotFound` naming unknown labels and :class:`SeatUnavailable`
    naming blocked or taken seats.
    """
    by_id = {seat.id: seat for seat in seats}
    chosen: list[Seat] = []
    unknown: list[str] = []
    for label in labels:
        try:
            seat_id = normalize_seat_id(label)
        except ValueError:
            unknown.append(label)
            continue
        seat = by_id.get(seat_id)
        if seat is None:
            unknown.append(label)
        elif seat not in chosen:
            chosen.append(seat)
    if unknown:
        raise SeatNotFound(
            f"no such seat in this room: {', '.join(unknown)}",
            seats=unknown,
            hint="see the seat map with `cinema seats SHOWING_ID`",
        )
    unavailable = [seat.id for seat in chosen if seat.blocked or seat.id in taken]
    if unavailable:
        raise SeatUnavailable(
            f"seats not available: {', '.join(unavailable)}",
            seats=unavailable,
            hint="pick free seats from `cinema seats SHOWING_ID`",
        )
    return chosen
