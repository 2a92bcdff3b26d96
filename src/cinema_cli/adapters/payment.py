"""The built-in test payment provider.

It behaves like a card processor in test mode, with the test cards of
``docs/booking.md``:

* ``4242 4242 4242 4242`` (and any other number that passes the Luhn check) is approved;
* ``4000 0000 0000 0002`` is declined (:class:`PaymentDeclined`, exit 5);
* a number failing the Luhn check is refused (:class:`InvalidCard`, exit 6).

Like a real processor it keeps its own books of charges, keyed by idempotency key, so a
retried request never charges twice. The books are in the store (record kind
``provider_charge``, :class:`~cinema_cli.services.ports.payments.ProviderBooks`), so
every host sharing the store talks to the same "processor": a charge made on one host is
replayed on another, refunded on any, and each refund reason is paid once. It stores the
brand and last four digits, never the card number.
"""

from __future__ import annotations

import secrets
from dataclasses import replace
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from cinema_cli.domain.errors import (
    CorruptData,
    IdempotencyKeyReused,
    InvalidCard,
    PaymentDeclined,
)
from cinema_cli.domain.models import Money
from cinema_cli.domain.purchase import CardNumber, luhn_valid
from cinema_cli.services.ports.payments import (
    BookCharge,
    BookRefund,
    Charge,
    ProviderBooks,
    ProviderContext,
    book_charge_id,
)

DECLINED_TEST_CARDS = {
    "4000000000000002": "card_declined",
    "4000000000009995": "insufficient_funds",
}


def _refunded(charge: BookCharge) -> Decimal:
    return sum((r.amount.amount for r in charge.refunds), Decimal("0"))


class TestPaymentProvider:
    """Approves, declines and refunds by the test-card rules; remembers charges by key."""

    __test__ = False  # not a pytest test class, despite its name
    name = "test"

    def __init__(self, books: ProviderBooks) -> None:
        self.books = books

    # -- the port --------------------------------------------------------------------------------
    def charge(
        self,
        card: CardNumber,
        amount: Money,
        *,
        idempotency_key: str,
        fingerprint: str,
        description: str,
    ) -> Charge:
        if not luhn_valid(card.digits):
            raise InvalidCard("--card: the card number fails the Luhn check", field="card")
        with self.books.provider_books() as books:
            rounds = books.provider_charges(idempotency_key)
            latest = rounds[-1] if rounds else None
            if latest is not None and not latest.closed:
                return self._replayed(latest, fingerprint)
            reason = DECLINED_TEST_CARDS.get(card.digits)
            if reason is not None:
                # A decline is not recorded against the key: the person may retry with another card.
                raise PaymentDeclined(
                    f"the card ({card.brand} ending {card.last4}) was declined: {reason}",
                    reason=reason,
                    brand=card.brand,
                    last4=card.last4,
                    hint="the seats stay held until the hold expires; try another card",
                )
            round_ = latest.round + 1 if latest is not None else 1
            new = BookCharge(
                id=book_charge_id(idempotency_key, round_),
                idempotency_key=idempotency_key,
                round=round_,
                reference=f"ch_{secrets.token_hex(12)}",
                fingerprint=fingerprint,
                brand=card.brand,
                last4=card.last4,
                amount=amount,
                description=description,
                created_at=datetime.now(UTC),
            )
            stored = books.add_provider_charge(new)
            if stored.reference != new.reference:
                # Another host charged with this key at the same moment and won.
                return self._replayed(stored, fingerprint)
            return self._charge_of(stored, replayed=False)

    def refund(self, charge: Charge, amount: Money, *, reason: str) -> str:
        with self.books.provider_books() as books:
            stored = books.provider_charge(charge.reference)
            if stored is None:
                raise CorruptData(f"the test provider's books have no charge {charge.reference}")
            for earlier in stored.refunds:
                if earlier.reason == reason:
                    return earlier.reference
            refund = BookRefund(
                reference=f"re_{secrets.token_hex(12)}",
                amount=Money(amount.amount, stored.amount.currency),
                reason=reason,
                created_at=datetime.now(UTC),
            )
            changed = replace(stored, refunds=(*stored.refunds, refund))
            # Fully refunded: the attempt is over and its key is free again, so a later
            # retry charges afresh instead of getting back a charge that was refunded.
            changed = replace(changed, closed=_refunded(changed) >= stored.amount.amount)
            books.put_provider_charge(changed)
            return refund.reference

    def find_charge(self, idempotency_key: str) -> Charge | None:
        with self.books.provider_books() as books:
            rounds = books.provider_charges(idempotency_key)
        if not rounds or rounds[-1].closed:
            return None
        return self._charge_of(rounds[-1], replayed=True)

    # -- inspection (tests, support) -------------------------------------------------------------
    def book_charges(self) -> list[BookCharge]:
        """Every charge in the books, oldest first."""
        with self.books.provider_books() as books:
            return books.provider_charges()

    def ledger(self) -> dict[str, Any]:
        """The books in the shape of earlier releases' ledger file: ``{"version", "charges":
        {key: record}, "closed": [record]}``; ``closed`` holds fully refunded charges."""
        from cinema_cli.adapters.payment_file import ledger_document

        return ledger_document(self.book_charges())

    def net_charged(self) -> Decimal:
        """Money taken minus money given back, over all the books."""
        return sum((c.amount.amount - _refunded(c) for c in self.book_charges()), Decimal("0"))

    # -- internals -------------------------------------------------------------------------------
    def _replayed(self, stored: BookCharge, fingerprint: str) -> Charge:
        if stored.fingerprint != fingerprint:
            raise IdempotencyKeyReused(
                "this idempotency key was already used to pay for another request",
                idempotency_key=stored.idempotency_key,
            )
        return self._charge_of(stored, replayed=True)

    def _charge_of(self, stored: BookCharge, *, replayed: bool) -> Charge:
        return Charge(
            provider=self.name,
            reference=stored.reference,
            brand=stored.brand,
            last4=stored.last4,
            amount=stored.amount,
            replayed=replayed,
        )


def test_provider(context: ProviderContext) -> TestPaymentProvider:
    """The ``test`` entry point of ``cinema_cli.payment_providers`` (the default provider)."""
    if context.books is None:
        raise ValueError("the test payment provider keeps its books in the store: pass books")
    return TestPaymentProvider(context.books)
