"""Mail ports: confirmation and cancellation e-mails left in the outbox, and sending them."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from cinema_cli.domain.models import Booking, Movie, Refund, Showing, Theater, Ticket
from cinema_cli.services.ports.tickets import ETicketDocument, WalletPasses


class ConfirmationOutbox(Protocol):
    """Builds the confirmation e-mail and leaves it in the outbox (sending is separate)."""

    def write_confirmation(
        self, document: ETicketDocument, pdf: Path, wallet: WalletPasses | None = None
    ) -> Path:
        """Write the ``.eml`` (with the PDF, an ``.ics`` event and any ``.pkpass`` attached,
        and a Google Wallet link when there is one); returns its path."""
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


@dataclass(frozen=True, slots=True)
class OutboxMessage:
    """One ``.eml`` in the outbox and its delivery state."""

    path: Path
    status: str
    """``unsent`` (never tried), ``failed`` (tried, will be retried) or ``sent``."""
    attempts: int = 0
    sent_at: str | None = None
    last_error: str | None = None
    last_attempt_at: str | None = None
    to: str = ""
    subject: str = ""

    @property
    def name(self) -> str:
        return self.path.name


class OutboxFolder(Protocol):
    """The e-mails kept in the outbox, each with its delivery state."""

    def messages(self) -> list[OutboxMessage]:
        """Every message, oldest first."""
        ...


class OutboxSender(Protocol):
    """Sends messages of the outbox; each one at most once, even from two processes."""

    def send(self, messages: Sequence[OutboxMessage]) -> list[OutboxMessage]:
        """Send those not sent meanwhile; returns their new states (``sent`` or ``failed``)."""
        ...
