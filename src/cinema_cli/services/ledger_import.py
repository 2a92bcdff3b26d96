"""``db upgrade`` adopts the charges a provider's own books hold into the payment ledger.

Before the ledger lived in the store, the only record of a charge was the test provider's
file in the data folder. Each charge found there becomes a ledger row once (a charge whose
reference the ledger already has is skipped, so running the upgrade again changes nothing):
``captured`` and tied to its booking when the booking exists, ``refunded`` when it was given
back in full, ``captured`` with no booking otherwise, which ``payments reconcile`` refunds.

The file's charges also move into the test provider's books in the store (which every host
shares), once: a charge whose reference the books have already is skipped.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import datetime

from cinema_cli.domain.ledger import ChargeRecord, ChargeStatus, charge_id
from cinema_cli.services.admin import SchemaUpgrade, upgrade
from cinema_cli.services.key_import import KeyMove, move_signing_keys
from cinema_cli.services.outbox_import import MailAdoption, adopt_messages
from cinema_cli.services.ports.mail import KeptMailFolder
from cinema_cli.services.ports.payments import (
    BookCharge,
    ChargeHistory,
    PastCharge,
    book_charge_id,
)
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
    elsewhere: int = 0
    """Charges of reservations this store never held: a data folder shared by several stores
    (``--storage``) keeps them all in one file. Left out, so that reconcile never refunds
    another store's sale."""


def adopt_charges(storage: Storage, past: list[PastCharge]) -> LedgerAdoption:
    """Add every charge of ``past`` the ledger does not hold yet, in one unit of work."""
    adopted = already = booked = refunded = stranded = elsewhere = 0
    with storage.transaction() as tx:
        for item in past:
            attempts = tx.charges(item.idempotency_key)
            if any(a.reference == item.charge.reference for a in attempts):
                already += 1
                continue
            record = _record(tx, item, len(attempts) + 1)
            if (
                record.booking_id is None
                and record.status is ChargeStatus.CAPTURED
                and not _held_here(tx, item, record)
            ):
                elsewhere += 1
                continue
            tx.add_charge(record)
            adopted += 1
            if record.booking_id is not None:
                booked += 1
            elif record.status is ChargeStatus.REFUNDED:
                refunded += 1
            else:
                stranded += 1
    return LedgerAdoption(len(past), adopted, already, booked, refunded, stranded, elsewhere)


def _held_here(tx: Transaction, item: PastCharge, record: ChargeRecord) -> bool:
    """Whether the charge's purchase began in this store: its idempotency key or its
    reservation is here. A sale that crashed after the charge left its reservation behind."""
    return (
        tx.idempotency(item.idempotency_key) is not None
        or tx.reservation(record.reservation_id) is not None
    )


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
class BooksMove:
    """What ``db upgrade`` moved from the ledger file into the test provider's books."""

    found: int
    moved: int
    already: int


def move_books(storage: Storage, charges: list[BookCharge]) -> BooksMove:
    """Add every charge of ``charges`` the books do not hold yet, in one unit of work."""
    moved = already = 0
    with storage.transaction() as tx:
        for charge in charges:
            if tx.provider_charge(charge.reference) is not None:
                already += 1
                continue
            rounds = tx.provider_charges(charge.idempotency_key)
            if any(r.id == charge.id for r in rounds):
                # The key was used in the store already: this charge takes the next round.
                next_round = rounds[-1].round + 1
                charge = replace(
                    charge,
                    id=book_charge_id(charge.idempotency_key, next_round),
                    round=next_round,
                )
            tx.add_provider_charge(charge)
            moved += 1
    return BooksMove(len(charges), moved, already)


@dataclass(frozen=True, slots=True)
class DeploymentUpgrade:
    """``db upgrade``: the schema, then what moved from the data folder into the store."""

    schema: SchemaUpgrade
    ledger: LedgerAdoption | None
    """``None`` when the provider keeps no books cinema-cli can read."""
    books: BooksMove | None = None
    """What moved into the test provider's books (``None`` as for ``ledger``)."""
    messages: MailAdoption | None = None
    """What moved from the outbox folder into the mail queue (``None``: not looked at)."""
    keys: KeyMove | None = None
    """``None`` when the data folder holds no signing keys of an older release."""


def upgrade_deployment(
    storage: Storage,
    earlier: ChargeHistory | None,
    outbox: KeptMailFolder | None = None,
    old_keys: OldSigningKeys | None = None,
    clock: Callable[[], datetime] | None = None,
) -> DeploymentUpgrade:
    """Upgrade the schema, then move what the data folder of earlier releases held into the
    store, each once: the charges of the ledger file (``earlier``) into the payment ledger and
    the provider's books, the outbox folder's e-mails into the mail queue, and the signing
    keys into the key ring."""
    schema = upgrade(storage)
    messages = adopt_messages(storage, outbox) if outbox is not None else None
    keys = (
        move_signing_keys(storage, old_keys, clock)
        if old_keys is not None and clock is not None
        else None
    )
    if earlier is None:
        return DeploymentUpgrade(schema, None, None, messages, keys)
    adopted = adopt_charges(storage, earlier.past_charges())
    books = move_books(storage, earlier.book_charges())
    return DeploymentUpgrade(schema, adopted, books, messages, keys)
