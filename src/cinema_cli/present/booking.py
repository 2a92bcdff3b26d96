"""The booking shapes: ``reserve``, BOOKING (``booking``), ``buy`` and ``bookings``."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING, NotRequired

from typing_extensions import TypedDict  # pydantic reads these on 3.11

from cinema_cli.domain.times import local_time
from cinema_cli.present.common import MoneyShape, ShowingShape, money, showing

if TYPE_CHECKING:
    from cinema_cli.domain.models import Booking
    from cinema_cli.services.bookings import BookingDetails
    from cinema_cli.services.ports.tickets import ETicketFiles
    from cinema_cli.services.purchase import Purchase
    from cinema_cli.services.reservations import ReserveResult
    from cinema_cli.services.showing_context import ShowingContext


class ReservationShape(TypedDict):
    reservation_id: str
    session_id: str
    """Pass it to ``buy --session``."""
    showing_id: str
    movie_id: str
    seats: list[str]
    expires_at: str
    """When the hold ends (ISO 8601, the theater's UTC offset)."""
    total: MoneyShape


class UserShape(TypedDict):
    email: str
    name: str


class MovieRef(TypedDict):
    id: str
    title: str


class PaymentShape(TypedDict):
    brand: str
    last4: str


class TicketShape(TypedDict):
    ticket_id: str
    seat: str
    category: str
    price: MoneyShape
    status: str
    """``valid``, ``used`` or ``cancelled``."""
    code: str
    """What the QR code holds; ``cinema checkin 'CODE'`` reads it."""
    qr_png: str | None
    qr_svg: str | None
    wallet_pkpass: NotRequired[str]
    """The signed Apple Wallet pass, when the cinema set up Apple Wallet (``buy`` only)."""


class BookingShape(TypedDict):
    booking_id: str
    status: str
    user: UserShape
    movie: MovieRef
    showing: ShowingShape
    seats: list[str]
    total: MoneyShape
    payment: PaymentShape
    refunded: MoneyShape
    tickets: list[TicketShape]
    eticket_pdf: str | None
    confirmation_eml: str | None
    created_at: str
    google_wallet_url: NotRequired[str]
    """"Save to Google Wallet" link, when the cinema set up Google Wallet (``buy`` only)."""


class PurchaseShape(BookingShape):
    """BOOKING, and whether an earlier request with the same key had made it already."""

    replayed: bool


class BookingsShape(TypedDict):
    email: str
    bookings: list[BookingShape]


def reservation(result: ReserveResult) -> ReservationShape:
    """The ``reserve --json`` shape."""
    value = result.reservation
    return {
        "reservation_id": value.id,
        "session_id": value.session_id,
        "showing_id": value.showing_id,
        "movie_id": value.movie_id,
        "seats": list(value.seats),
        "expires_at": local_time(value.expires_at, result.context.theater.timezone).isoformat(),
        "total": money(value.total),
    }


def _path(value: Path | None) -> str | None:
    return str(value) if value is not None else None


def _booking(
    value: Booking,
    context: ShowingContext,
    files: ETicketFiles | None,
    confirmation: Path | None,
    seats_taken: int,
) -> BookingShape:
    shape = _booking_core(value, context, files, confirmation, seats_taken)
    if files is not None:
        passes = files.wallet
        for ticket in shape["tickets"]:
            if ticket["ticket_id"] in passes.apple:
                ticket["wallet_pkpass"] = str(passes.apple[ticket["ticket_id"]])
        if passes.google_save_url:
            shape["google_wallet_url"] = passes.google_save_url
    return shape


def _booking_core(
    value: Booking,
    context: ShowingContext,
    files: ETicketFiles | None,
    confirmation: Path | None,
    seats_taken: int,
) -> BookingShape:
    return {
        "booking_id": value.id,
        "status": str(value.status),
        "user": {"email": value.email, "name": value.name},
        "movie": {"id": context.movie.id, "title": context.movie.title},
        "showing": showing(
            context.showing, context.theater, movie=context.movie, seats_taken=seats_taken
        ),
        "seats": list(value.seats),
        "total": money(value.total),
        "payment": {"brand": value.payment.brand, "last4": value.payment.last4},
        "refunded": money(value.payment.refunded),
        "tickets": [
            {
                "ticket_id": ticket.id,
                "seat": ticket.seat_id,
                "category": str(ticket.category),
                "price": money(ticket.price),
                "status": str(ticket.status),
                "code": ticket.code,
                "qr_png": _path(files.qr_png.get(ticket.id)) if files else None,
                "qr_svg": _path(files.qr_svg.get(ticket.id)) if files else None,
            }
            for ticket in value.tickets
        ],
        "eticket_pdf": _path(files.pdf) if files else None,
        "confirmation_eml": _path(confirmation),
        "created_at": local_time(value.created_at, context.theater.timezone).isoformat(),
    }


def booking(details: BookingDetails) -> BookingShape:
    """The BOOKING shape (``booking --json``, each of ``bookings``)."""
    return _booking(
        details.booking, details.context, details.files, details.confirmation, details.seats_taken
    )


def purchase(result: Purchase) -> PurchaseShape:
    """The ``buy --json`` shape: BOOKING plus ``replayed``."""
    shape = _booking(
        result.booking, result.context, result.files, result.confirmation, result.seats_taken
    )
    return {**shape, "replayed": result.replayed}


def bookings(email: str, found: Iterable[BookingDetails]) -> BookingsShape:
    """The ``bookings --json`` shape: the address asked about and its bookings, newest first."""
    return {"email": email, "bookings": [booking(details) for details in found]}
