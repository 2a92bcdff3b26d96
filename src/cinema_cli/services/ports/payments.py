"""The payment port: a provider that charges a card at most once per idempotency key."""

from __future__ import annotations

from contextlib import AbstractContextManager
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Protocol, runtime_checkable

from cinema_cli.domain.models import Money
from cinema_cli.domain.purchase import CardNumber


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

    def find_charge(self, idempotency_key: str) -> Charge | None:
        """The charge made with this key and not fully refunded, if any (a purchase that
        died between asking for money and hearing back is settled with it)."""
        ...


@dataclass(frozen=True, slots=True)
class BookRefund:
    """Money the test provider gave back from one charge (one per reason)."""

    reference: str
    amount: Money
    reason: str
    created_at: datetime


@dataclass(frozen=True, slots=True)
class BookCharge:
    """A charge in the test provider's books (record kind ``provider_charge``).

    Its id is ``<idempotency key>#<round>``: a key holds at most one open charge, and a key
    whose charge was refunded in full may charge again in the next round. Brand and last
    four digits only: the card number is never stored.
    """

    id: str
    idempotency_key: str
    round: int
    reference: str
    fingerprint: str
    brand: str
    last4: str
    amount: Money
    description: str
    created_at: datetime
    refunds: tuple[BookRefund, ...] = ()
    closed: bool = False
    """Refunded in full: the key is free for a new round."""


def book_charge_id(idempotency_key: str, round_: int) -> str:
    """The books' id of a charge: unique per (key, round) across every host."""
    return f"{idempotency_key}#{round_}"


class ProviderBookkeeping(Protocol):
    """The books' records inside one unit of work of the store."""

    def provider_charges(self, idempotency_key: str | None = None) -> list[BookCharge]:
        """The charges of one key in round order, or every charge (oldest first)."""
        ...

    def provider_charge(self, reference: str) -> BookCharge | None:
        """The charge with this provider reference (locked for the unit of work on SQL)."""
        ...

    def add_provider_charge(self, charge: BookCharge) -> BookCharge:
        """Insert unless a charge with its id exists; returns the stored one. Of two hosts
        inserting the same id at once, one wins and both get its charge back."""
        ...

    def put_provider_charge(self, charge: BookCharge) -> None:
        """Replace a charge by id (its refunds, closed)."""
        ...


class ProviderBooks(Protocol):
    """Where the test provider keeps its books: the store every host shares."""

    def provider_books(self) -> AbstractContextManager[ProviderBookkeeping]:
        """A unit of work on the books. Inside a unit of work already open on the same store
        in this process (a cancellation refunds inside its own), it joins that one."""
        ...


@dataclass(frozen=True, slots=True)
class ProviderContext:
    """What a provider factory (entry point ``cinema_cli.payment_providers``) is given."""

    data_dir: Path
    lock_timeout: float
    books: ProviderBooks | None = None
    """The store, for a provider that keeps its books there (the built-in test provider)."""


class ProviderFactory(Protocol):
    """An entry point of the ``cinema_cli.payment_providers`` group: builds the provider."""

    def __call__(self, context: ProviderContext) -> PaymentProvider: ...


@dataclass(frozen=True, slots=True)
class PastCharge:
    """A charge found in a provider's own books (``db upgrade`` adopts it into the ledger)."""

    idempotency_key: str
    fingerprint: str
    charge: Charge
    created_at: datetime
    refund_reference: str | None
    """Set when the charge was refunded in full."""


@runtime_checkable
class ChargeHistory(Protocol):
    """Books kept outside the store that can list their charges (the test provider's ledger
    file of earlier versions, which ``db upgrade`` moves into the store)."""

    def past_charges(self) -> list[PastCharge]: ...

    def book_charges(self) -> list[BookCharge]: ...
