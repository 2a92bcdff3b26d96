"""``db upgrade`` adopts the charges a provider's own books hold into the payment ledger.

Before the ledger lived in the store, the only record of a charge was the test provider's
file in the data folder. Each charge found there becomes a ledger row once (a charge whose
reference the ledger already has is skipped, so running the upgrade again changes nothing):
``captured`` and tied to its booking when the booking exists, ``refunded`` when it was given
back in full, ``captured`` with no booking otherwise, which ``payments reconcile`` refunds.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from cinema_cli.domain.ledger import ChargeRecord, ChargeStatus, charge_id
from cinema_cli.services.admin import SchemaUpgrade, upgrade
from cinema_cli.services.key_import import KeyMove, move_signing_keys
from cinema_cli.services.ports.payments import ChargeHistory, PastCharge, PaymentProvider
from cinema_cli.services.ports.storage import Storage, Transaction
from cinema_cli.services.ports.tickets import OldSigningKeys


@dataclass(frozen=True, slots=True)
class LedgerAdoption:
    """What ``db upgrade`` moved from the provider's books into the ledger."""

    found: int
    adopted: int
    already: int
    with_booking: int
    refunded: int
    without_booking: int
    """Captured charges with no booking: ``payments reconcile`` refunds them."""


def adopt_charges(storage: Storage, past: list[PastCharge]) -> LedgerAdoption:
    """Add every charge of ``past`` the ledger does not hold yet, in one unit of work."""
    adopted = already = booked = refunded = stranded = 0
    with storage.transaction() as tx:
        for item in past:
            attempts = tx.charges(item.idempotency_key)
            if any(a.reference == item.charge.reference for a in attempts):
                already += 1
                continue
            record = _record(tx, item, len(attempts) + 1)
            tx.add_charge(record)
            adopted += 1
            if record.booking_id is not None:
                booked += 1
            elif record.status is ChargeStatus.REFUNDED:
                refunded += 1
            else:
                stranded += 1
    return LedgerAdoption(len(past), adopted, already, booked, refunded, stranded)


def _record(tx: Transaction, item: PastCharge, attempt: int) -> ChargeRecord:
    earlier = tx.idempotency(item.idempotency_key)
    booking = tx.booking(earlier.booking_id) if earlier else None
    booking_id = (
        booking.id
        if booking is not None and booking.payment.reference == item.charge.reference
        else None
    )
    charge = item.charge
    return ChargeRecord(
        id=charge_id(item.idempotency_key, attempt),
        idempotency_key=item.idempotency_key,
        attempt=attempt,
        fingerprint=item.fingerprint,
        reservation_id=(
            booking.reservation_id
            if booking is not None
            else item.idempotency_key.removeprefix("reservation:")
        ),
        amount=charge.amount,
        status=ChargeStatus.REFUNDED if item.refund_reference else ChargeStatus.CAPTURED,
        created_at=item.created_at,
        updated_at=item.created_at,
        provider=charge.provider,
        reference=charge.reference,
        brand=charge.brand,
        last4=charge.last4,
        booking_id=booking_id,
        refund_reference=item.refund_reference,
        note="adopted from the provider's books by db upgrade",
    )


@dataclass(frozen=True, slots=True)
class DeploymentUpgrade:
    """``db upgrade``: the schema, then what moved from the data folder into the store."""

    schema: SchemaUpgrade
    ledger: LedgerAdoption | None
    """``None`` when the provider keeps no books cinema-cli can read."""
    keys: KeyMove | None = None
    """``None`` when the data folder holds no signing keys of an older release."""


def upgrade_deployment(
    storage: Storage,
    payments: PaymentProvider,
    old_keys: OldSigningKeys | None = None,
    clock: Callable[[], datetime] | None = None,
) -> DeploymentUpgrade:
    """Upgrade the schema, then adopt the provider's charges into the payment ledger and move
    the data folder's signing keys into the store, each once."""
    schema = upgrade(storage)
    ledger = (
        adopt_charges(storage, payments.past_charges())
        if isinstance(payments, ChargeHistory)
        else None
    )
    keys = (
        move_signing_keys(storage, old_keys, clock)
        if old_keys is not None and clock is not None
        else None
    )
    return DeploymentUpgrade(schema, ledger, keys)
