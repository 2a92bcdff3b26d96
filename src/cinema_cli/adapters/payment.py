"""The built-in test payment provider.

It behaves like a card processor in test mode, with the test cards of
``docs/booking.md``:

* ``4242 4242 4242 4242`` (and any other number that passes the Luhn check) is approved;
* ``4000 0000 0000 0002`` is declined (:class:`PaymentDeclined`, exit 5);
* a number failing the Luhn check is refused (:class:`InvalidCard`, exit 6).

Like a real processor it keeps its own ledger of charges, keyed by idempotency
key, so a retried request never charges twice. The ledger is a JSON file in
``<data dir>/payments/`` (it models the processor's books, so it lives beside the
data, not in cinema-cli's own database, whatever the storage backend), written
atomically under a file lock. It stores the brand and last four digits, never
the card number.
"""

from __future__ import annotations

import json
import secrets
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

from cinema_cli.domain.errors import (
    CorruptData,
    IdempotencyKeyReused,
    InvalidCard,
    PaymentDeclined,
)
from cinema_cli.domain.models import Money
from cinema_cli.domain.purchase import CardNumber, luhn_valid
from cinema_cli.durable_files import write_private
from cinema_cli.file_faults import file_faults
from cinema_cli.lock_files import held_lock
from cinema_cli.services.ports.payments import Charge, PastCharge, ProviderContext

DECLINED_TEST_CARDS = {
    "4000000000000002": "card_declined",
    "4000000000009995": "insufficient_funds",
}
LEDGER_VERSION = 1


class TestPaymentProvider:
    """Approves, declines and refunds by the test-card rules; remembers charges by key."""

    __test__ = False  # not a pytest test class, despite its name
    name = "test"

    def __init__(self, folder: Path, *, lock_timeout: float = 10.0) -> None:
        self.folder = folder
        self.ledger_path = folder / "test-ledger.json"
        self.lock_timeout = lock_timeout

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
        with self._locked() as ledger:
            earlier = ledger["charges"].get(idempotency_key)
            if earlier is not None:
                if earlier["fingerprint"] != fingerprint:
                    raise IdempotencyKeyReused(
                        "this idempotency key was already used to pay for another request",
                        idempotency_key=idempotency_key,
                    )
                return self._charge_of(earlier, replayed=True)
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
            record = {
                "reference": f"ch_{secrets.token_hex(12)}",
                "fingerprint": fingerprint,
                "brand": card.brand,
                "last4": card.last4,
                "amount": f"{amount.amount:.2f}",
                "currency": amount.currency,
                "description": description,
                "created_at": datetime.now(UTC).isoformat(),
                "refunds": [],
            }
            ledger["charges"][idempotency_key] = record
            self._save(ledger)
            return self._charge_of(record, replayed=False)

    def refund(self, charge: Charge, amount: Money, *, reason: str) -> str:
        with self._locked() as ledger:
            key, record = next(
                (
                    (key, record)
                    for key, record in [*ledger["charges"].items(), *enumerate(ledger["closed"])]
                    if record["reference"] == charge.reference
                ),
                (None, None),
            )
            if record is None:
                raise CorruptData(f"payment ledger has no charge {charge.reference}")
            for refund in record["refunds"]:
                if refund["reason"] == reason:
                    return str(refund["reference"])
            reference = f"re_{secrets.token_hex(12)}"
            record["refunds"].append(
                {
                    "reference": reference,
                    "amount": f"{amount.amount:.2f}",
                    "reason": reason,
                    "created_at": datetime.now(UTC).isoformat(),
                }
            )
            refunded = sum((Decimal(r["amount"]) for r in record["refunds"]), Decimal("0"))
            if isinstance(key, str) and refunded >= Decimal(record["amount"]):
                # Fully refunded: the attempt is over and its key is free again, so a later
                # retry charges afresh instead of getting back a charge that was refunded.
                ledger["closed"].append(ledger["charges"].pop(key) | {"idempotency_key": key})
            self._save(ledger)
            return reference

    def find_charge(self, idempotency_key: str) -> Charge | None:
        record = self._load()["charges"].get(idempotency_key)
        return None if record is None else self._charge_of(record, replayed=True)

    def past_charges(self) -> list[PastCharge]:
        """Every charge in the ledger file, open and fully refunded (``db upgrade``)."""
        ledger = self._load()
        found = [(key, record) for key, record in ledger["charges"].items()]
        found += [(record["idempotency_key"], record) for record in ledger["closed"]]
        past = []
        for key, record in found:
            refunded = sum((Decimal(r["amount"]) for r in record["refunds"]), Decimal("0"))
            full = refunded >= Decimal(record["amount"]) and record["refunds"]
            past.append(
                PastCharge(
                    idempotency_key=key,
                    fingerprint=record["fingerprint"],
                    charge=self._charge_of(record, replayed=False),
                    created_at=datetime.fromisoformat(record["created_at"]),
                    refund_reference=record["refunds"][-1]["reference"] if full else None,
                )
            )
        return sorted(past, key=lambda p: p.created_at)

    # -- inspection (tests, support) -------------------------------------------------------------
    def ledger(self) -> dict[str, Any]:
        """The ledger as stored: ``{"version", "charges": {key: record}, "closed": [record]}``.

        ``closed`` holds fully refunded charges, whose keys may be used again.
        """
        return self._load()

    def net_charged(self) -> Decimal:
        """Money taken minus money given back, over the whole ledger."""
        total = Decimal("0")
        ledger = self._load()
        for record in [*ledger["charges"].values(), *ledger["closed"]]:
            total += Decimal(record["amount"])
            total -= sum((Decimal(r["amount"]) for r in record["refunds"]), Decimal("0"))
        return total

    # -- internals -------------------------------------------------------------------------------
    def _charge_of(self, record: dict[str, Any], *, replayed: bool) -> Charge:
        return Charge(
            provider=self.name,
            reference=record["reference"],
            brand=record["brand"],
            last4=record["last4"],
            amount=Money(amount=Decimal(record["amount"]), currency=record["currency"]),
            replayed=replayed,
        )

    def _load(self) -> dict[str, Any]:
        if not self.ledger_path.exists():
            return {"version": LEDGER_VERSION, "charges": {}, "closed": []}
        with file_faults(self.ledger_path, action="read"):
            raw = self.ledger_path.read_bytes()
        try:
            data: dict[str, Any] = json.loads(raw)
        except ValueError:
            raise CorruptData(f"payment ledger {self.ledger_path} is not valid JSON") from None
        if data.get("version") != LEDGER_VERSION:
            raise CorruptData(f"payment ledger {self.ledger_path} has an unknown version")
        return data

    def _save(self, ledger: dict[str, Any]) -> None:
        write_private(self.ledger_path, json.dumps(ledger, indent=1, sort_keys=True).encode())

    def _locked(self) -> _LedgerLock:
        return _LedgerLock(self)


class _LedgerLock:
    """Holds the ledger's cross-process lock and hands out its current content."""

    def __init__(self, provider: TestPaymentProvider) -> None:
        self._provider = provider
        self._held = held_lock(
            provider.folder / "test-ledger.lock",
            timeout=provider.lock_timeout,
            busy=f"the payment ledger stayed locked for {provider.lock_timeout:g} s",
        )

    def __enter__(self) -> dict[str, Any]:
        self._held.__enter__()
        try:
            return self._provider._load()
        except BaseException:
            self._held.__exit__(None, None, None)
            raise

    def __exit__(self, *exc: object) -> None:
        self._held.__exit__(None, None, None)


def test_provider(context: ProviderContext) -> TestPaymentProvider:
    """The ``test`` entry point of ``cinema_cli.payment_providers`` (the default provider)."""
    return TestPaymentProvider(context.data_dir / "payments", lock_timeout=context.lock_timeout)
