"""E-tickets are an output: ``cinema tickets BOOKING_ID`` writes them again, on any host.

Everything a ticket file shows comes from the store (the booking, its tickets and their
signed codes, the showing, theater and movie), so the files can be re-created wherever
the store is reachable, with byte-for-byte the same codes in the QR images.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from cinema_cli.domain.errors import BookingNotFound
from cinema_cli.domain.models import Booking
from cinema_cli.services.delivery import eticket_document
from cinema_cli.services.ports.storage import Storage
from cinema_cli.services.ports.tickets import ETicketFiles, TicketPrinter
from cinema_cli.services.showing_context import load_showing_context


@dataclass(frozen=True, slots=True)
class WrittenTickets:
    """A booking and where its e-ticket files were written."""

    booking: Booking
    files: ETicketFiles


def write_tickets(
    storage: Storage, printer: TicketPrinter, booking_id: str, folder: Path | None = None
) -> WrittenTickets:
    """Write the QR images and the PDF of a stored booking into ``folder`` (default: where
    ``buy`` writes them)."""
    booking = storage.booking(booking_id.strip())
    if booking is None:
        raise BookingNotFound(f"no booking {booking_id!r}", booking_id=booking_id)
    context = load_showing_context(storage, booking.showing_id)
    files = printer.print_tickets(eticket_document(booking, context), folder)
    return WrittenTickets(booking, files)
