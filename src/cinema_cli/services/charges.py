"""The payment ledger's life cycle: intent before the charge, outcome after, settlement.

:func:`open_attempt` records the intent inside the unit of work that checks the hold;
:func:`record_outcome` stores what the provider said; the booking's unit of work links the
booking (:func:`link_booking`). A charge left ``captured`` (or ``pending``) with no booking
is settled by :func:`settle_stranded`: the money goes back and the ledger says so.
"""

from __future__ import annotations

from datetime import datetime

from cinema_cli.domain.errors import IdempotencyKeyReused
from cinema_cli.domain.ledger import ChargeRecord, ChargeStatus, charge_id
from cinema_cli.domain.models import Booking, Money, format_amount
from cinema_cli.services import audit
from cinema_cli.services.ports.clock import Clock
from cinema_cli.services.ports.payments import Charge, PaymentProvider
from cinema_cli.services.ports.storage import Reader, Storage, Transaction


def open_charge(reader: Reader, key: str) -> ChargeRecord | None:
    """The attempt of ``key`` that is still open (pending or captured), if any."""
    attempts = reader.charges(key)
    return attempts[-1] if attempts and attempts[-1].is_open else None


def open_attempt(
    tx: Transaction,
    key: str,
    *,
    fingerprint: str,
    reservation_id: str,
    amount: Money,
    now: datetime,
) -> ChargeRecord:
    """The open attempt of ``key`` for this request, recorded as ``pending`` when new.

    Raises ``idempotency_key_reused`` when the key's open attempt pays for another request.
    """
    attempts = tx.charges(key)
    current = attempts[-1] if attempts and attempts[-1].is_open else None
    if current is None:
        attempt = attempts[-1].attempt + 1 if attempts else 1
        current = tx.add_charge(
            ChargeRecord(
                id=charge_id(key, attempt),
                idempotency_key=key,
                attempt=attempt,
                fingerprint=fingerprint,
                reservation_id=reservation_id,
                amount=amount,
                status=ChargeStatus.PENDING,
                created_at=now,
                updated_at=now,
            )
        )
    if current.fingerprint != fingerprint:
        raise IdempotencyKeyReused(
            "this idempotency key was already used to pay for another request",
            idempotency_key=key,
        )
    return current


def charge_of(record: ChargeRecord) -> Charge | None:
    """The provider's charge as the ledger remembers it (``None`` before the outcome)."""
    if record.reference is None or record.provider is None:
        return None
    return Charge(
        provider=record.provider,
        reference=record.reference,
        brand=record.brand or "",
        last4=record.last4 or "",
        amount=record.amount,
    )


def record_outcome(
    storage: Storage,
    clock: Clock,
    record: ChargeRecord,
    *,
    charge: Charge | None = None,
    failure: str | None = None,
) -> ChargeRecord:
    """Store what the provider said: the charge (captured) or why it took nothing (failed)."""
    with storage.transaction() as tx:
        now = clock()
        stored = next((c for c in tx.charges(record.idempotency_key) if c.id == record.id), record)
        if charge is not None:
            updated = stored.changed(
                now,
                status=ChargeStatus.CAPTURED,
                provider=charge.provider,
                reference=charge.reference,
                brand=charge.brand,
                last4=charge.last4,
                amount=charge.amount,
            )
        else:
            updated = stored.changed(now, status=ChargeStatus.FAILED, note=failure)
        tx.put_charge(updated)
    return updated


def link_booking(tx: Transaction, record: ChargeRecord, booking_id: str, now: datetime) -> None:
    """Tie the charge to the booking it paid for, in the booking's own unit of work."""
    stored = next((c for c in tx.charges(record.idempotency_key) if c.id == record.id), record)
    tx.put_charge(stored.changed(now, booking_id=booking_id))


def settle_cancelled(
    tx: Transaction, booking: Booking, refund_reference: str, now: datetime
) -> None:
    """A booking whose payment went back in full (every ticket cancelled and refunded): its
    charge in the ledger becomes ``refunded``, in the cancellation's own unit of work."""
    if booking.payment.refunded.amount < booking.payment.amount.amount:
        return
    for stored in tx.charges(booking.idempotency_key):
        if stored.booking_id == booking.id and stored.status is ChargeStatus.CAPTURED:
            tx.put_charge(
                stored.changed(
                    now,
                    status=ChargeStatus.REFUNDED,
                    refund_reference=refund_reference,
                    note=f"booking {booking.id} cancelled and refunded in full",
                )
            )


def mark_refunded(
    storage: Storage,
    clock: Clock,
    record: ChargeRecord,
    charge: Charge,
    reference: str,
    reason: str,
) -> ChargeRecord:
    """Record that the charge's money went back in full."""
    with storage.transaction() as tx:
        now = clock()
        stored = next((c for c in tx.charges(record.idempotency_key) if c.id == record.id), record)
        updated = stored.changed(
            now,
            status=ChargeStatus.REFUNDED,
            provider=charge.provider,
            reference=charge.reference,
            brand=charge.brand,
            last4=charge.last4,
            refund_reference=reference,
            note=reason,
        )
        tx.put_charge(updated)
        audit.record(
            tx,
            at=now,
            action="payment_refunded",
            subject=record.reservation_id,
            actor="payments",
            payment_reference=charge.reference,
            refund_reference=reference,
            amount={
                "amount": format_amount(record.amount.amount, record.amount.currency),
                "currency": record.amount.currency,
            },
            reason=reason,
        )
    return updated


def settle_stranded(
    storage: Storage,
    clock: Clock,
    payments: PaymentProvider,
    record: ChargeRecord,
    reason: str,
    *,
    charge: Charge | None = None,
) -> tuple[ChargeRecord, str | None]:
    """Give back the money of an open charge that has no booking.

    A ``pending`` attempt (the purchase died while asking for money) is looked up at the
    provider by its key: found, it is refunded; not found, it is marked ``failed``.
    Returns the record as stored after and the refund reference (``None``: nothing taken).
    ``charge`` is the provider's answer when the caller holds it.
    """
    charge = charge or charge_of(record)
    if charge is None:
        charge = payments.find_charge(record.idempotency_key)
        if charge is None:
            return record_outcome(storage, clock, record, failure=reason), None
    # One refund reason per attempt: whoever settles it (the buy, its retry, reconcile on
    # any host), the provider gives the money back once.
    reference = payments.refund(charge, charge.amount, reason=f"not sold: {record.id}")
    return mark_refunded(storage, clock, record, charge, reference, reason), reference
