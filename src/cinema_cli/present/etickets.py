"""The shape of ``cinema tickets --json``: where a booking's e-ticket files are."""

from __future__ import annotations

from typing import TYPE_CHECKING

from typing_extensions import TypedDict  # pydantic reads these on 3.11

if TYPE_CHECKING:
    from cinema_cli.services.etickets import WrittenTickets


class TicketFileShape(TypedDict):
    ticket_id: str
    seat: str
    code: str
    """The signed code in the QR image (the same as when the ticket was sold)."""
    qr_png: str
    qr_svg: str


class TicketFilesShape(TypedDict):
    booking_id: str
    folder: str
    eticket_pdf: str
    tickets: list[TicketFileShape]


def ticket_files_view(written: WrittenTickets) -> TicketFilesShape:
    """The ``tickets --json`` document."""
    files = written.files
    return {
        "booking_id": written.booking.id,
        "folder": str(files.folder),
        "eticket_pdf": str(files.pdf),
        "tickets": [
            {
                "ticket_id": ticket.id,
                "seat": ticket.seat_id,
                "code": ticket.code,
                "qr_png": str(files.qr_png[ticket.id]),
                "qr_svg": str(files.qr_svg[ticket.id]),
            }
            for ticket in written.booking.tickets
        ],
    }
