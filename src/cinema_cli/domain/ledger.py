"""The payment ledger: one record per charge attempt, written before the card is charged.

A purchase records its intent (``pending``) before asking the provider for money, the
outcome (``captured``, or ``failed`` for a decline) right after, and the booking it paid
for in the very unit of work that sells the seats. A charge that is ``captured`` with no
booking is money taken for nothing: a retried ``buy`` or ``payments reconcile`` finishes
the sale or gives the money back (``refunded``). The record is shared by every host that
uses the same storage, and at most one attempt per idempotency key is open at a time.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime
from enum import StrEnum

from cinema_cli.domain.models import Money


class ChargeStatus(StrEnum):
    """Where a charge attempt stands."""

    PENDING = "pending"
    """Recorded before the provider was asked; the outcome is not known yet."""
    CAPTURED = "captured"
    """The provider took the money."""
    REFUNDED = "refunded"
    """The money was given back in full."""
    FAILED = "failed"
    """The provider took nothing (declined, or it never saw the request)."""


OPEN_STATUSES = frozenset({ChargeStatus.PENDING, ChargeStatus.CAPTURED})
"""An attempt in one of these statuses holds its idempotency key."""


def charge_id(idempotency_key: str, attempt: int) -> str:
    """The ledger id of an attempt: unique per (key, attempt), so two hosts cannot both open
    attempt *n* of the same key (the store's unique key refuses the second)."""
    return f"{idempotency_key}#{attempt}"


@dataclass(frozen=True, slots=True)
class ChargeRecord:
    """One attempt to take money for one purchase request."""

    id: str
    idempotency_key: str
    attempt: int
    fingerprint: str
    reservation_id: str
    amount: Money
    status: ChargeStatus
    created_at: datetime
    updated_at: datetime
    provider: str | None = None
    reference: str | None = None
    brand: str | None = None
    last4: str | None = None
    booking_id: str | None = None
    refund_reference: str | None = None
    note: str | None = None
    """Why the charge ended as it did (the refund's reason, the decline's reason)."""

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES

    def changed(self, at: datetime, **fields: object) -> ChargeRecord:
        """A copy with ``fields`` changed and ``updated_at`` set to ``at``."""
        return replace(self, updated_at=at, **fields)  # type: ignore[arg-type]
