"""Ports the services need besides storage; adapters in ``cinema_cli.adapters`` implement them."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Protocol

from cinema_cli.domain.models import Money
from cinema_cli.domain.purchase import CardNumber


@dataclass(frozen=True, slots=True)
class TicketClaims:
    """What a ticket code vouches for (the signed payload of issue 6)."""

    ticket_id: str
    showing_id: str
    seat_id: str
    valid_from: datetime
    valid_until: datetime


class TicketCodes(Protocol):
    """Issues the code printed in a ticket's QR; the only place codes are made."""

    def issue(self, claims: TicketClaims) -> str: ...


# -- payments (issue 3) ------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class Charge:
    """A successful charge, as the payment provider reports it (no card number in it)."""

    provider: str
    reference: str
    brand: str
    last4: str
    amount: Money
    replayed: bool = False
    """True when the provider returned an earlier charge for the same idempotency key."""


class PaymentProvider(Protocol):
    """Takes money from a card, at most once per idempotency key.

    ``charge`` raises :class:`~cinema_cli.domain.errors.PaymentDeclined` when the
    card is declined (a decline does not use up the key),
    :class:`~cinema_cli.domain.errors.InvalidCard` for a malformed number, and
    :class:`~cinema_cli.domain.errors.IdempotencyKeyReused` when the key was used
    before with another ``fingerprint``. Calling it again with the same key and
    fingerprint returns the first charge and takes nothing more.
    """

    name: str

    def charge(
        self,
        card: CardNumber,
        amount: Money,
        *,
        idempotency_key: str,
        fingerprint: str,
        description: str,
    ) -> Charge: ...

    def refund(self, charge: Charge, amount: Money, *, reason: str) -> str:
        """Give ``amount`` of ``charge`` back; returns the refund reference. Idempotent."""
        ...


# -- e-tickets and confirmation (issue 3) ------------------------------------------------------
@dataclass(frozen=True, slots=True)
class ETicketLine:
    """One ticket as printed."""

    ticket_id: str
    seat_id: str
    category: str
    price: Money
    code: str


@dataclass(frozen=True, slots=True)
class ETicketDocument:
    """Everything printed on a booking's e-tickets and told in its confirmation e-mail."""

    booking_id: str
    name: str
    email: str
    movie_title: str
    theater_name: str
    theater_address: str
    room_name: str
    starts_at: datetime
    """Aware, in the theater's zone."""
    ends_at: datetime
    timezone: str
    total: Money
    payment: str
    """``visa •••• 4242``: brand and last four digits only."""
    tickets: tuple[ETicketLine, ...]
    booked_at: datetime


@dataclass(frozen=True, slots=True)
class ETicketFiles:
    """Where a booking's e-ticket files were written."""

    folder: Path
    pdf: Path
    qr_png: dict[str, Path]
    """Ticket id -> QR image (PNG)."""
    qr_svg: dict[str, Path]
    """Ticket id -> QR image (SVG)."""


class TicketPrinter(Protocol):
    """Writes a booking's QR images and printable PDF."""

    def print_tickets(self, document: ETicketDocument, folder: Path | None = None) -> ETicketFiles:
        """Write into ``folder`` (default: the printer's own folder for this booking)."""
        ...

    def find_tickets(self, booking_id: str, ticket_ids: list[str]) -> ETicketFiles | None:
        """The files written to the default folder for this booking, if they are there."""
        ...


class ConfirmationOutbox(Protocol):
    """Builds the confirmation e-mail and leaves it in the outbox (sending is separate)."""

    def write_confirmation(self, document: ETicketDocument, pdf: Path) -> Path:
        """Write the ``.eml`` (with the PDF and an ``.ics`` event attached); returns its path."""
        ...

    def find_confirmation(self, booking_id: str) -> Path | None:
        """The ``.eml`` written for this booking, if it is there."""
        ...
