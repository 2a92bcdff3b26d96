"""The payment port: a provider that charges a card at most once per idempotency key."""

from __future__ import annotations

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
class ProviderContext:
    """What a provider factory (entry point ``cinema_cli.payment_providers``) is given."""

    data_dir: Path
    lock_timeout: float


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
    """A provider that can list the charges it made (the test provider's ledger file)."""

    def past_charges(self) -> list[PastCharge]: ...
