"""The payment ledger for people: ``cinema payments list`` and ``payments reconcile``.

``reconcile`` is the cron job that guarantees the promise "a charge always ends in a sale
or a refund": every charge still open with no booking, older than a purchase can take
(the hold time plus a margin), is given back (or, when the provider never took the money,
closed as ``failed``). It is safe to run on several hosts at once: refunds are idempotent
at the provider and each outcome is written under the store's lock.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta
from decimal import Decimal

from cinema_cli.domain.errors import CinemaError
from cinema_cli.domain.ledger import ChargeRecord, ChargeStatus
from cinema_cli.domain.models import Booking, Money
from cinema_cli.services import charges
from cinema_cli.services.ports.clock import Clock
from cinema_cli.services.ports.payments import PaymentProvider
from cinema_cli.services.ports.storage import Storage

RECONCILE_MARGIN = timedelta(minutes=5)
"""Added to the hold time: a purchase still running is never mistaken for a dead one."""


@dataclass(frozen=True, slots=True)
class ChargeLine:
    """One charge attempt and what became of it."""

    record: ChargeRecord
    status: ChargeStatus
    """The ledger's status, ``refunded`` too when the booking's cancellation gave it all back."""
    refunded: Money
    booking: Booking | None


def list_charges(storage: Storage) -> list[ChargeLine]:
    """Every charge attempt, oldest first, with its booking when it has one."""
    lines = []
    for record in storage.charges():
        booking = storage.booking(record.booking_id) if record.booking_id else None
        zero = Money(Decimal("0"), record.amount.currency)
        refunded = record.amount if record.status is ChargeStatus.REFUNDED else zero
        status = record.status
        if booking is not None and booking.payment.refunded.amount > 0:
            refunded = booking.payment.refunded
            if refunded.amount >= record.amount.amount:
                status = ChargeStatus.REFUNDED
        lines.append(ChargeLine(record, status, refunded, booking))
    return lines


@dataclass(frozen=True, slots=True)
class ReconcileProblem:
    """A charge that could not be settled this time (the next run tries again)."""

    record: ChargeRecord
    message: str


@dataclass(frozen=True, slots=True)
class ReconcileResult:
    """What ``payments reconcile`` looked at and did."""

    older_than: timedelta
    checked: int
    """Charges still open with no booking (of any age)."""
    refunded: list[ChargeRecord] = field(default_factory=list)
    closed: list[ChargeRecord] = field(default_factory=list)
    """Attempts the provider never charged: marked ``failed``, nothing to give back."""
    linked: list[ChargeRecord] = field(default_factory=list)
    """Charges whose booking exists after all: tied to it, nothing refunded."""
    too_recent: int = 0
    problems: list[ReconcileProblem] = field(default_factory=list)


def default_age(hold_seconds: int) -> timedelta:
    """How old an open charge must be before reconcile settles it, by default."""
    return timedelta(seconds=hold_seconds) + RECONCILE_MARGIN


def reconcile(
    storage: Storage, clock: Clock, payments: PaymentProvider, *, older_than: timedelta
) -> ReconcileResult:
    """Refund every open charge with no booking made before ``now - older_than``."""
    now = clock()
    unsettled = [c for c in storage.charges() if c.is_open and c.booking_id is None]
    due = [c for c in unsettled if c.created_at <= now - older_than]
    result = ReconcileResult(
        older_than=older_than, checked=len(unsettled), too_recent=len(unsettled) - len(due)
    )
    for record in due:
        try:
            _settle(storage, clock, payments, record, result)
        except CinemaError as error:
            result.problems.append(ReconcileProblem(record, error.message))
    return result


def _settle(
    storage: Storage,
    clock: Clock,
    payments: PaymentProvider,
    record: ChargeRecord,
    result: ReconcileResult,
) -> None:
    with storage.transaction() as tx:
        # Read again under the lock: a purchase or another reconcile may have settled it.
        [current] = [c for c in tx.charges(record.idempotency_key) if c.id == record.id]
        if not current.is_open or current.booking_id is not None:
            return
        earlier = tx.idempotency(current.idempotency_key)
        booking = tx.booking(earlier.booking_id) if earlier else None
        if booking is not None and booking.payment.reference == current.reference:
            charges.link_booking(tx, current, booking.id, clock())
            result.linked.append(current)
            return
    settled, reference = charges.settle_stranded(storage, clock, payments, current, "reconcile")
    (result.refunded if reference is not None else result.closed).append(settled)
