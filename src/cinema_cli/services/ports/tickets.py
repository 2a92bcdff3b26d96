"""Ticket ports: signing codes, verifying them at the door, the signing keys, e-tickets,
wallet passes."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

from cinema_cli.domain.models import Money
from cinema_cli.domain.signing_keys import SigningKeyRecord
from cinema_cli.domain.ticket_codes import TicketPayload

if TYPE_CHECKING:
    from cinema_cli.services.ports.storage import Transaction


@dataclass(frozen=True, slots=True)
class TicketClaims:
    """What a ticket code vouches for (the signed payload)."""

    ticket_id: str
    showing_id: str
    seat_id: str
    valid_from: datetime
    valid_until: datetime


class TicketCodes(Protocol):
    """Issues the code printed in a ticket's QR; the only place codes are made."""

    def issue(self, claims: TicketClaims, unit: Transaction | None = None) -> str:
        """The code; ``unit`` is the sale's unit of work, where whatever the codes need
        recorded (the signing key's use) is written with the sale."""
        ...


class TicketVerifier(Protocol):
    """Checks a code's signature; returns what it vouches for or raises ``InvalidTicket``."""

    def verify(self, code: str) -> TicketPayload: ...


class SigningKeyInfo(Protocol):
    """What may be shown about a signing key (never its private half)."""

    @property
    def key_id(self) -> str: ...

    @property
    def created_at(self) -> str:
        """ISO 8601, UTC."""
        ...

    @property
    def active(self) -> bool:
        """Whether it signs new tickets (older keys keep verifying theirs)."""
        ...


class SigningKeys(Protocol):
    """The key ring that signs ticket codes; door scanners get its public keys."""

    def list_keys(self) -> Sequence[SigningKeyInfo]:
        """Every key, oldest first (the first key is created when there is none)."""
        ...

    def rotate(self) -> SigningKeyInfo:
        """Add a new key and make it the one that signs."""
        ...

    def public_pem(self, key_id: str | None = None) -> str:
        """The public key (PEM) of ``key_id`` or of the active key."""
        ...


class KeySealer(Protocol):
    """Seals the private halves of stored signing keys with the deployment's key secret
    (``cinema keys seal``); the secret never leaves the adapter."""

    def has_secret(self) -> bool:
        """Whether a key secret is set."""
        ...

    def require_secret(self) -> None:
        """Raise ``KeySecretError`` (naming the setting) when no key secret is set."""
        ...

    def is_plain(self, record: SigningKeyRecord) -> bool:
        """Whether the private half is stored unencrypted."""
        ...

    def sealed(self, record: SigningKeyRecord) -> str:
        """The record's plain private half sealed with the secret (``CorruptData`` when it is
        not the Ed25519 key of the record's public half)."""
        ...

    def check_opens(self, record: SigningKeyRecord) -> None:
        """Raise ``KeySecretError`` unless the sealed private half opens with the secret."""
        ...


class OldSigningKeys(Protocol):
    """Signing keys an older release kept outside the store (``db upgrade`` moves them)."""

    @property
    def location(self) -> str:
        """Where they are (shown in the upgrade's report)."""
        ...

    def signing_keys(self) -> list[SigningKeyRecord]:
        """Every key found, as store records (private keys sealed); ``[]`` when none."""
        ...

    def set_aside(self) -> str | None:
        """Keep them, out of the way, once they are in the store; where they went."""
        ...


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
    showing_id: str = ""


@dataclass(frozen=True, slots=True)
class ETicketFiles:
    """Where a booking's e-ticket files were written."""

    folder: Path
    pdf: Path
    qr_png: dict[str, Path]
    """Ticket id -> QR image (PNG)."""
    qr_svg: dict[str, Path]
    """Ticket id -> QR image (SVG)."""
    wallet: WalletPasses = field(default_factory=lambda: WalletPasses())
    """The wallet passes made with them (none unless the cinema configured a wallet)."""


class TicketPrinter(Protocol):
    """Writes a booking's QR images and printable PDF."""

    def print_tickets(self, document: ETicketDocument, folder: Path | None = None) -> ETicketFiles:
        """Write into ``folder`` (default: the printer's own folder for this booking)."""
        ...

    def find_tickets(self, booking_id: str, ticket_ids: list[str]) -> ETicketFiles | None:
        """The files written to the default folder for this booking, if they are there."""
        ...


@dataclass(frozen=True, slots=True)
class WalletPasses:
    """A booking's wallet passes: Apple ``.pkpass`` files and a Google Wallet link."""

    apple: dict[str, Path] = field(default_factory=dict)
    """Ticket id -> signed ``.pkpass`` file."""
    google_save_url: str | None = None
    """A "Save to Google Wallet" link holding every ticket of the booking."""

    def merged(self, other: WalletPasses) -> WalletPasses:
        return WalletPasses(
            apple={**self.apple, **other.apple},
            google_save_url=other.google_save_url or self.google_save_url,
        )


class WalletPassMaker(Protocol):
    """Makes wallet passes for a booking's tickets (Apple Wallet, Google Wallet)."""

    def make_passes(self, document: ETicketDocument, folder: Path) -> WalletPasses:
        """Write any pass files into ``folder`` (the e-tickets' folder); returns what was made."""
        ...
