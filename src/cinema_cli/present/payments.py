"""Shapes of the payment ledger: ``payments list`` and ``payments reconcile`` (times in UTC)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from typing_extensions import TypedDict  # pydantic reads these on 3.11

from cinema_cli.domain.models import utc_text
from cinema_cli.present.common import MoneyShape, money

if TYPE_CHECKING:
    from cinema_cli.domain.ledger import ChargeRecord
    from cinema_cli.services.payments import ChargeLine, ReconcileResult


class ChargeShape(TypedDict):
    id: str
    """``<idempotency key>#<attempt>``: one row per attempt to take money."""
    idempotency_key: str
    attempt: int
    status: str
    """``pending`` (outcome unknown yet), ``captured``, ``refunded``, ``failed`` (nothing taken)."""
    amount: MoneyShape
    refunded: MoneyShape
    provider: str | None
    reference: str | None
    """The provider's charge reference (``None`` while pending or when it took nothing)."""
    refund_reference: str | None
    reservation_id: str
    booking_id: str | None
    """The booking the charge paid for; ``None``: no booking (then it ends refunded or failed)."""
    created_at: str
    updated_at: str
    note: str | None


class PaymentsShape(TypedDict):
    charges: list[ChargeShape]


class ReconcileProblemShape(TypedDict):
    charge: ChargeShape
    message: str


class ReconcileShape(TypedDict):
    older_than_minutes: float
    checked: int
    """Open charges with no booking, of any age."""
    too_recent: int
    """Of those, how many were younger than ``older_than_minutes`` and left alone."""
    refunded: list[ChargeShape]
    closed: list[ChargeShape]
    """Attempts the provider never charged, now ``failed``."""
    linked: list[ChargeShape]
    """Charges whose booking was found after all."""
    problems: list[ReconcileProblemShape]


def charge_view(record: ChargeRecord, line: ChargeLine | None = None) -> ChargeShape:
    """One charge attempt (with the booking's refunds when ``line`` is given)."""
    from decimal import Decimal

    from cinema_cli.domain.ledger import ChargeStatus
    from cinema_cli.domain.models import Money

    if line is not None:
        status, refunded = str(line.status), line.refunded
    else:
        status = str(record.status)
        refunded = (
            record.amount
            if record.status is ChargeStatus.REFUNDED
            else Money(Decimal("0"), record.amount.currency)
        )
    return {
        "id": record.id,
        "idempotency_key": record.idempotency_key,
        "attempt": record.attempt,
        "status": status,
        "amount": money(record.amount),
        "refunded": money(refunded),
        "provider": record.provider,
        "reference": record.reference,
        "refund_reference": record.refund_reference,
        "reservation_id": record.reservation_id,
        "booking_id": record.booking_id,
        "created_at": utc_text(record.created_at),
        "updated_at": utc_text(record.updated_at),
        "note": record.note,
    }


def payments_view(lines: list[ChargeLine]) -> PaymentsShape:
    """The ``payments list --json`` document, oldest charge first."""
    return {"charges": [charge_view(line.record, line) for line in lines]}


def reconcile_view(result: ReconcileResult) -> ReconcileShape:
    """The ``payments reconcile --json`` document."""
    return {
        "older_than_minutes": result.older_than.total_seconds() / 60,
        "checked": result.checked,
        "too_recent": result.too_recent,
        "refunded": [charge_view(r) for r in result.refunded],
        "closed": [charge_view(r) for r in result.closed],
        "linked": [charge_view(r) for r in result.linked],
        "problems": [
            {"charge": charge_view(p.record), "message": p.message} for p in result.problems
        ],
    }
