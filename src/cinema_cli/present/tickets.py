"""Shapes of the door and the refund desk: ``checkin`` (online and offline) and ``cancel``."""

from __future__ import annotations

from typing import TYPE_CHECKING, Literal

from typing_extensions import TypedDict  # pydantic reads these on 3.11

from cinema_cli.domain.models import Showing, Theater, utc_text
from cinema_cli.present.common import MoneyShape, ShowingShape, money, showing

if TYPE_CHECKING:
    from cinema_cli.domain.models import Movie
    from cinema_cli.services.cancellation import Cancellation
    from cinema_cli.services.checkin import CheckIn, OfflineCheck


class ShowingRef(TypedDict):
    """A showing whose theater is not in the store: only its id and UTC start."""

    id: str
    starts_at: str


class ShowingId(TypedDict):
    id: str


class CheckinShape(TypedDict):
    ticket_id: str
    status: Literal["admitted"]
    seat: str
    booking_id: str
    showing: ShowingShape | ShowingRef
    checked_in_at: str | None
    gate: str | None


class OfflineCheckinShape(TypedDict):
    ticket_id: str
    status: Literal["admitted"]
    seat: str
    showing: ShowingId
    checked_in_at: str
    gate: None
    offline: Literal[True]
    key_id: str
    valid_from: str
    valid_until: str
    not_checked: list[str]
    """What the data store would have told: ``cancelled``, ``already_used``."""


class CancelledTicketShape(TypedDict):
    ticket_id: str
    seat: str
    price: MoneyShape


class RefundShape(TypedDict):
    id: str
    reference: str
    amount: MoneyShape
    ticket_ids: list[str]
    created_at: str


class TicketStateShape(TypedDict):
    ticket_id: str
    seat: str
    status: str
    """``valid``, ``used`` or ``cancelled``."""


class CancellationShape(TypedDict):
    booking_id: str
    status: str
    showing: ShowingShape | ShowingRef
    cancelled: list[CancelledTicketShape]
    """Cancelled by this call (empty when nothing was left to cancel)."""
    already_cancelled: list[str]
    """Seats that were cancelled before."""
    refund: RefundShape | None
    refunded_total: MoneyShape
    tickets: list[TicketStateShape]
    cancellation_eml: str | None


def _showing(
    value: Showing, theater: Theater | None, movie: Movie | None, seats_taken: int
) -> ShowingShape | ShowingRef:
    if theater is None:
        return {"id": value.id, "starts_at": utc_text(value.starts_at)}
    return showing(value, theater, movie=movie, seats_taken=seats_taken)


def checkin_view(result: CheckIn) -> CheckinShape:
    """The ``checkin --json`` shape of an admitted ticket."""
    ticket = result.ticket
    return {
        "ticket_id": ticket.id,
        "status": "admitted",
        "seat": ticket.seat_id,
        "booking_id": ticket.booking_id,
        "showing": _showing(result.showing, result.theater, result.movie, result.seats_taken),
        "checked_in_at": utc_text(ticket.checked_in_at) if ticket.checked_in_at else None,
        "gate": ticket.gate,
    }


def offline_view(result: OfflineCheck) -> OfflineCheckinShape:
    """The offline shape: what the signature vouches for, and what it cannot know."""
    payload = result.payload
    return {
        "ticket_id": payload.ticket_id,
        "status": "admitted",
        "seat": payload.seat_id,
        "showing": {"id": payload.showing_id},
        "checked_in_at": utc_text(result.checked_at),
        "gate": None,
        "offline": True,
        "key_id": payload.key_id,
        "valid_from": utc_text(payload.valid_from),
        "valid_until": utc_text(payload.valid_until),
        "not_checked": ["cancelled", "already_used"],
    }


def cancellation_view(result: Cancellation) -> CancellationShape:
    """The ``cancel --json`` shape: what this call cancelled and the booking as it is now."""
    booking = result.booking
    refund = result.refund
    return {
        "booking_id": booking.id,
        "status": str(booking.status),
        "showing": _showing(result.showing, result.theater, result.movie, result.seats_taken),
        "cancelled": [
            {"ticket_id": t.id, "seat": t.seat_id, "price": money(t.price)}
            for t in result.cancelled
        ],
        "already_cancelled": [t.seat_id for t in result.already_cancelled],
        "refund": None
        if refund is None
        else {
            "id": refund.id,
            "reference": refund.reference,
            "amount": money(refund.amount),
            "ticket_ids": list(refund.ticket_ids),
            "created_at": utc_text(refund.created_at),
        },
        "refunded_total": money(booking.payment.refunded),
        "tickets": [
            {"ticket_id": t.id, "seat": t.seat_id, "status": str(t.status)} for t in booking.tickets
        ],
        "cancellation_eml": str(result.notice) if result.notice else None,
    }
