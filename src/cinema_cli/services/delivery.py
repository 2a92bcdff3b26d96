"""What a booking's e-tickets and confirmation e-mail say, and writing them."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path

from cinema_cli.domain.models import Booking
from cinema_cli.domain.times import local_time
from cinema_cli.services.ports.mail import ConfirmationOutbox
from cinema_cli.services.ports.tickets import (
    ETicketDocument,
    ETicketFiles,
    ETicketLine,
    TicketPrinter,
    WalletPasses,
    WalletPassMaker,
)
from cinema_cli.services.showing_context import ShowingContext


def eticket_document(booking: Booking, context: ShowingContext) -> ETicketDocument:
    """What the e-tickets and the confirmation e-mail say about a booking."""
    theater = context.theater
    return ETicketDocument(
        booking_id=booking.id,
        name=booking.name,
        email=booking.email,
        movie_title=context.movie.title,
        theater_name=theater.name,
        theater_address=theater.address,
        room_name=context.room.name,
        starts_at=local_time(context.showing.starts_at, theater.timezone),
        ends_at=local_time(context.showing.ends_at, theater.timezone),
        timezone=theater.timezone,
        total=booking.total,
        payment=f"{booking.payment.brand} •••• {booking.payment.last4}",
        tickets=tuple(
            ETicketLine(
                ticket_id=ticket.id,
                seat_id=ticket.seat_id,
                category=str(ticket.category),
                price=ticket.price,
                code=ticket.code,
            )
            for ticket in booking.tickets
        ),
        booked_at=booking.created_at,
        showing_id=booking.showing_id,
    )


def deliver(
    printer: TicketPrinter,
    outbox: ConfirmationOutbox,
    booking: Booking,
    context: ShowingContext,
    tickets_dir: Path | None,
    wallets: Sequence[WalletPassMaker] = (),
) -> tuple[ETicketFiles, Path]:
    """Write the e-ticket files and any wallet passes, then the confirmation e-mail that
    attaches the PDF (and the passes).

    Writing again (a replayed purchase) gives the same file names.
    """
    document = eticket_document(booking, context)
    files = printer.print_tickets(document, tickets_dir)
    if wallets:
        passes = WalletPasses()
        for wallet in wallets:
            passes = passes.merged(wallet.make_passes(document, files.folder))
        files = replace(files, wallet=passes)
    return files, outbox.write_confirmation(document, files.pdf, files.wallet)
