"""Mail ports: confirmation and cancellation e-mails left in the outbox."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from cinema_cli.domain.models import Booking, Movie, Refund, Showing, Theater, Ticket
from cinema_cli.services.ports.tickets import ETicketDocument


class ConfirmationOutbox(Protocol):
    """Builds the confirmation e-mail and leaves it in the outbox (sending is separate)."""

    def write_confirmation(self, document: ETicketDocument, pdf: Path) -> Path:
        """Write the ``.eml`` (with the PDF and an ``.ics`` event attached); returns its path."""
        ...

    def find_confirmation(self, booking_id: str) -> Path | None:
        """The ``.eml`` written for this booking, if it is there."""
        ...


@dataclass(frozen=True, slots=True)
class CancellationNotice:
    """What the cancellation e-mail tells the buyer."""

    booking: Booking
    showing: Showing
    theater: Theater | None
    movie: Movie | None
    cancelled: tuple[Ticket, ...]
    refund: Refund | None


class CancellationOutbox(Protocol):
    """Writes (and, when configured, sends) the cancellation e-mail; returns the ``.eml``."""

    def write_cancellation(self, notice: CancellationNotice) -> Path: ...
