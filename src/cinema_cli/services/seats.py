"""The seat map of one showing: ``cinema seats``."""

# No `from __future__ import annotations` here: NamedTuple would compile every
# string annotation into a ForwardRef at import time (a few ms of start-up).
import datetime as dt
from typing import TYPE_CHECKING, Literal, NamedTuple

from cinema_cli.domain.companions import companion_pairs
from cinema_cli.domain.layout import Seat
from cinema_cli.domain.models import ClaimKind, Money, Room, SeatCategory, SeatClaim
from cinema_cli.domain.seating import taken_seats
from cinema_cli.services.catalog import ShowingInfo
from cinema_cli.services.ports.storage import Reader
from cinema_cli.services.showing_context import load_showing_context

if TYPE_CHECKING:
    from cinema_cli.services.ports.clock import Clock

SeatStatus = Literal["available", "held", "sold", "blocked"]


class SeatInfo(NamedTuple):
    """One seat of a showing and its status at the time the map was drawn."""

    seat: Seat
    status: SeatStatus
    price: Money
    mine: bool = False
    """Held by the session given to :func:`seat_map`."""


class SeatMap(NamedTuple):
    """A showing's seats with their statuses (``cinema seats``)."""

    showing: ShowingInfo
    room: Room
    seats: list[SeatInfo]
    at: dt.datetime
    """The instant the statuses were read at."""
    session_id: str | None = None
    holds_until: dt.datetime | None = None
    """When the first hold live at :attr:`at` expires (``None``: no live hold): until
    then, and while nothing is committed, the statuses stay what they are."""

    @property
    def available(self) -> int:
        return sum(1 for info in self.seats if info.status == "available")

    @property
    def companion_of(self) -> dict[str, str]:
        """Each companion seat -> the wheelchair space it belongs to (from the layout)."""
        return companion_pairs(self.room.seats)

    @property
    def held_by_me(self) -> list[str]:
        return [info.seat.id for info in self.seats if info.mine]


def seat_status(seat: Seat, claim: SeatClaim | None) -> SeatStatus:
    """A seat's status from the claim that takes it now (``None``: free); blocked seats
    never sell."""
    if seat.blocked:
        return "blocked"
    if claim is None:
        return "available"
    return "sold" if claim.kind is ClaimKind.SOLD else "held"


def seat_map(
    storage: Reader, clock: "Clock", showing_id: str, session_id: str | None = None
) -> SeatMap:
    """Every seat of a showing with its status now; ``session_id`` marks that session's holds."""
    now = clock()
    context = load_showing_context(storage, showing_id)
    showing = context.showing
    taken = taken_seats(storage.claims(showing.id), now)
    seats: list[SeatInfo] = []
    for seat in context.room.seats:
        claim = taken.get(seat.id)
        status = seat_status(seat, claim)
        mine = (
            session_id is not None
            and status == "held"
            and claim is not None
            and claim.session_id == session_id
        )
        seats.append(SeatInfo(seat, status, showing.price_of(SeatCategory(seat.category)), mine))
    count = sum(1 for info in seats if info.status in ("held", "sold"))
    info = ShowingInfo(showing, context.theater, context.movie, count)
    expiries = [c.expires_at for c in taken.values() if c.kind is ClaimKind.HOLD and c.expires_at]
    return SeatMap(info, context.room, seats, now, session_id, min(expiries, default=None))
