"""The test provider's books as earlier releases kept them: ``payments/test-ledger.json``.

Each host kept its own file in its data folder, so a charge made on one host was unknown
to the others. The books now live in the store (:mod:`cinema_cli.adapters.payment`);
``db upgrade`` reads this file once to move what it holds
(:func:`cinema_cli.services.ledger_import.upgrade_deployment`). Reading only: nothing
writes the file any more, and it is left where it is.
"""

from __future__ import annotations

import json
from datetime import datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

from cinema_cli.domain.errors import CorruptData
from cinema_cli.domain.models import Money
from cinema_cli.file_faults import file_faults
from cinema_cli.services.ports.payments import (
    BookCharge,
    BookRefund,
    Charge,
    PastCharge,
    book_charge_id,
)

LEDGER_VERSION = 1
LEDGER_FILE = "test-ledger.json"


class TestLedgerFile:
    """The charges of one host's ledger file, open and fully refunded (``db upgrade``)."""

    __test__ = False  # not a pytest test class, despite its name

    def __init__(self, folder: Path) -> None:
        self.path = folder / LEDGER_FILE

    def past_charges(self) -> list[PastCharge]:
        """Each charge for the payment ledger of the store."""
        past = []
        for charge in self.book_charges():
            refunded = sum((r.amount.amount for r in charge.refunds), Decimal("0"))
            full = bool(charge.refunds) and refunded >= charge.amount.amount
            past.append(
                PastCharge(
                    idempotency_key=charge.idempotency_key,
                    fingerprint=charge.fingerprint,
                    charge=Charge(
                        "test", charge.reference, charge.brand, charge.last4, charge.amount
                    ),
                    created_at=charge.created_at,
                    refund_reference=charge.refunds[-1].reference if full else None,
                )
            )
        return past

    def book_charges(self) -> list[BookCharge]:
        """Each charge as the provider's books in the store keep it, oldest first.

        A key's fully refunded charges come first, in the order they were closed, then its
        open one; their rounds count from 1 in that order.
        """
        ledger = self._load()
        found = [(r["idempotency_key"], r, True) for r in ledger["closed"]]
        found += [(key, r, False) for key, r in ledger["charges"].items()]
        rounds: dict[str, int] = {}
        charges = []
        for key, record, closed in found:
            rounds[key] = rounds.get(key, 0) + 1
            charges.append(_book_charge(key, rounds[key], record, closed=closed))
        return sorted(charges, key=lambda c: (c.created_at, c.id))

    def _load(self) -> dict[str, Any]:
        if not self.path.exists():
            return {"version": LEDGER_VERSION, "charges": {}, "closed": []}
        with file_faults(self.path, action="read"):
            raw = self.path.read_bytes()
        try:
            data: dict[str, Any] = json.loads(raw)
        except ValueError:
            raise CorruptData(f"payment ledger {self.path} is not valid JSON") from None
        if data.get("version") != LEDGER_VERSION:
            raise CorruptData(f"payment ledger {self.path} has an unknown version")
        return data


def _book_charge(key: str, round_: int, record: dict[str, Any], *, closed: bool) -> BookCharge:
    currency = record["currency"]
    return BookCharge(
        id=book_charge_id(key, round_),
        idempotency_key=key,
        round=round_,
        reference=record["reference"],
        fingerprint=record["fingerprint"],
        brand=record["brand"],
        last4=record["last4"],
        amount=Money(Decimal(record["amount"]), currency),
        description=record["description"],
        created_at=datetime.fromisoformat(record["created_at"]),
        refunds=tuple(
            BookRefund(
                reference=r["reference"],
                amount=Money(Decimal(r["amount"]), currency),
                reason=r["reason"],
                created_at=datetime.fromisoformat(r["created_at"]),
            )
            for r in record["refunds"]
        ),
        closed=closed,
    )


def ledger_document(charges: list[BookCharge]) -> dict[str, Any]:
    """Books in the file's shape: ``{"version", "charges": {key: record}, "closed": [record]}``
    (``closed`` holds fully refunded charges, each with its ``idempotency_key``)."""
    document: dict[str, Any] = {"version": LEDGER_VERSION, "charges": {}, "closed": []}
    for charge in charges:
        record = {
            "reference": charge.reference,
            "fingerprint": charge.fingerprint,
            "brand": charge.brand,
            "last4": charge.last4,
            "amount": f"{charge.amount.amount:.2f}",
            "currency": charge.amount.currency,
            "description": charge.description,
            "created_at": charge.created_at.isoformat(),
            "refunds": [
                {
                    "reference": r.reference,
                    "amount": f"{r.amount.amount:.2f}",
                    "reason": r.reason,
                    "created_at": r.created_at.isoformat(),
                }
                for r in charge.refunds
            ],
        }
        if charge.closed:
            document["closed"].append(record | {"idempotency_key": charge.idempotency_key})
        else:
            document["charges"][charge.idempotency_key] = record
    return document
