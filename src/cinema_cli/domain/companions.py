"""Which companion seat belongs to which wheelchair space, read from the room's layout.

A companion seat (``c``) belongs to a wheelchair space (``w``) beside it: same row,
the next column to the left or right, no gap between. Spaces are paired left to right;
each takes the free-standing companion on its left first, else the one on its right,
so ``"A cwwc"`` pairs A1 with A2 and A4 with A3. A companion seat beside no space
belongs to none.

Until ``release`` before the start, a companion seat is sold only together with its
wheelchair space (:func:`check_companions`); from then on, to anyone.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime, timedelta

from cinema_cli.domain.errors import CompanionSeatRestricted
from cinema_cli.domain.layout import Seat

WHEELCHAIR = "wheelchair"
COMPANION = "companion"


def companion_pairs(seats: Sequence[Seat]) -> dict[str, str]:
    """Each paired companion seat's id -> the id of its wheelchair space."""
    at = {(seat.row_index, seat.column): seat for seat in seats}
    pairs: dict[str, str] = {}
    spaces = sorted(
        (seat for seat in seats if seat.category == WHEELCHAIR),
        key=lambda seat: (seat.row_index, seat.column),
    )
    for space in spaces:
        for column in (space.column - 1, space.column + 1):
            beside = at.get((space.row_index, column))
            if beside is not None and beside.category == COMPANION and beside.id not in pairs:
                pairs[beside.id] = space.id
                break
    return pairs


def companion_of_space(seats: Sequence[Seat]) -> dict[str, str]:
    """Each wheelchair space's id -> the id of its companion seat (spaces without one: absent)."""
    return {space: companion for companion, space in companion_pairs(seats).items()}


def companions_restricted(starts_at: datetime, now: datetime, release: timedelta) -> bool:
    """Whether companion seats are still kept for wheelchair spaces at ``now``."""
    return now < starts_at - release


def check_companions(
    seats: Sequence[Seat],
    chosen: Iterable[Seat],
    *,
    starts_at: datetime,
    now: datetime,
    release: timedelta,
    showing_id: str = "SHOWING_ID",
) -> None:
    """Refuse companion seats asked for without their wheelchair space, before the release.

    Raises :class:`CompanionSeatRestricted` naming the seats and when they are released.
    """
    if not companions_restricted(starts_at, now, release):
        return
    picked = list(chosen)
    ids = {seat.id for seat in picked}
    pairs = companion_pairs(seats)
    alone = [
        seat.id for seat in picked if seat.category == COMPANION and pairs.get(seat.id) not in ids
    ]
    if alone:
        minutes = int(release.total_seconds() // 60)
        raise CompanionSeatRestricted(
            f"companion seats {', '.join(alone)} are sold only with their wheelchair space "
            f"until {minutes} minutes before the start",
            seats=alone,
            release_minutes=minutes,
            hint="hold a wheelchair space with its companion: "
            f"cinema reserve {showing_id} --count 2 --wheelchair 1",
        )
