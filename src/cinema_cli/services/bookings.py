"""Looking bookings up: ``cinema booking`` and ``cinema bookings``."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from cinema_cli.domain.models import Booking
from cinema_cli.domain.purchase import parse_email
from cinema_cli.services.explain import booking_not_found
from cinema_cli.services.ports.clock import Clock
from cinema_cli.services.ports.storage import Storage
from cinema_cli.services.ports.tickets import ETicketFiles
from cinema_cli.services.showing_context import ShowingContext, load_showing_context

if TYPE_CHECKING:
    from cinema_cli.services.purchase import BoxOffice


@dataclass(frozen=True, slots=True)
class BookingDetails:
    """A booking with its showing, and its files where they exist."""

    booking: Booking
    context: ShowingContext
    files: ETicketFiles | None
    confirmation: Path | None
    seats_taken: int = 0
    """Seats of the showing sold or held now (for the SHOWING's free seats)."""


def _existing_files(
    booking: Booking, office: BoxOffice | None
) -> tuple[ETicketFiles | None, Path | None]:
    if office is None:
        return None, None
    files = office.printer.find_tickets(booking.id, [ticket.id for ticket in booking.tickets])
    return files, office.outbox.find_confirmation(booking.id)


def booking(
    storage: Storage, clock: Clock, booking_id: str, *, office: BoxOffice | None = None
) -> BookingDetails:
    """One booking by id, with ticket status (``BookingNotFound`` when unknown).

    With ``office``, the e-ticket files and confirmation are looked up where they are written
    by default.
    """
    found = storage.booking(booking_id.strip())
    if found is None:
        raise booking_not_found(storage, booking_id)
    files, eml = _existing_files(found, office)
    taken = storage.seats_taken([found.showing_id], clock()).get(found.showing_id, 0)
    context = load_showing_context(storage, found.showing_id)
    return BookingDetails(found, context, files, eml, taken)


def bookings_by_email(
    storage: Storage, clock: Clock, email: str, *, office: BoxOffice | None = None
) -> list[BookingDetails]:
    """A user's bookings, newest first (an empty list when the address has none)."""
    address = parse_email(email)
    found = storage.bookings_by_email(address)
    taken = storage.seats_taken({b.showing_id for b in found}, clock())
    details: list[BookingDetails] = []
    for each in found:
        files, eml = _existing_files(each, office)
        context = load_showing_context(storage, each.showing_id)
        details.append(BookingDetails(each, context, files, eml, taken.get(each.showing_id, 0)))
    return details
