"""Mail ports: confirmation and cancellation e-mails left in the outbox, and sending them."""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractContextManager
from dataclasses import dataclass
from datetime import datetime
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
    """One e-mail of the queue and its delivery state (``path``: its ``.eml`` copy)."""

    path: Path
    status: str
    """``unsent`` (queued, never tried), ``sending`` (claimed by a sender now), ``failed``
    (tried, will be retried) or ``sent``."""
    attempts: int = 0
    sent_at: str | None = None
    last_error: str | None = None
    last_attempt_at: str | None = None
    to: str = ""
    subject: str = ""
    booking_id: str = ""
    kind: str = ""
    """``confirmation`` or ``cancellation``."""

    @property
    def name(self) -> str:
        return self.path.name


class MailSendFailed(Exception):
    """Sending failed; the text is safe to show and store (no password)."""


class MailTransport(Protocol):
    """Hands raw RFC 5322 messages to a mail server (SMTP)."""

    def connection(self) -> AbstractContextManager[Callable[[bytes], None]]:
        """Open one session; yields ``send(raw)``. Both raise :class:`MailSendFailed`."""
        ...


@dataclass(frozen=True, slots=True)
class KeptMail:
    """An e-mail found in a data folder's ``outbox/`` as written before the queue existed."""

    name: str
    raw: bytes
    written_at: datetime
    sent: bool
    attempts: int = 0
    sent_at: datetime | None = None
    last_error: str | None = None
    last_attempt_at: datetime | None = None


class KeptMailFolder(Protocol):
    """The outbox folder of earlier versions, with the send state kept beside each message."""

    def kept_messages(self) -> list[KeptMail]:
        """Every ``.eml`` with its send state, oldest first."""
        ...
