"""The payment fake keeps the real test provider's rules: tests that use it prove something."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path
from typing import Protocol

import pytest

from booking_support import APPROVED, DECLINED, NOT_LUHN
from cinema_cli.adapters.payment import TestPaymentProvider
from cinema_cli.domain.errors import IdempotencyKeyReused, InvalidCard, PaymentDeclined
from cinema_cli.domain.models import Money
from cinema_cli.domain.purchase import CardNumber
from cinema_cli.services.ports.payments import Charge, PaymentProvider
from cinema_cli.storage.json import JsonStorage
from fakes import FakePayments

TEN = Money(amount=Decimal("10.00"), currency="EUR")
FIVE = Money(amount=Decimal("5.00"), currency="EUR")


class InspectableProvider(PaymentProvider, Protocol):
    def net_charged(self) -> Decimal: ...


@pytest.fixture(params=["fake", "test"])
def provider(request: pytest.FixtureRequest, tmp_path: Path) -> InspectableProvider:
    if request.param == "fake":
        return FakePayments()
    return TestPaymentProvider(JsonStorage(tmp_path / "data"))


def pay(
    provider: PaymentProvider, card: str = APPROVED, *, key: str = "k1", fingerprint: str = "f1"
) -> Charge:
    return provider.charge(
        CardNumber(card), TEN, idempotency_key=key, fingerprint=fingerprint, description="test"
    )


def test_a_key_charges_once_and_a_retry_gets_the_first_charge_back(
    provider: InspectableProvider,
) -> None:
    first = pay(provider)
    again = pay(provider)

    assert first.replayed is False
    assert again.replayed is True
    assert again.reference == first.reference
    assert (first.brand, first.last4, first.amount) == ("visa", "4242", TEN)
    assert provider.net_charged() == Decimal("10.00")


def test_a_decline_does_not_use_up_the_key(provider: InspectableProvider) -> None:
    with pytest.raises(PaymentDeclined):
        pay(provider, DECLINED)

    assert pay(provider).replayed is False
    assert provider.net_charged() == Decimal("10.00")


def test_a_key_paying_for_another_request_is_refused(provider: InspectableProvider) -> None:
    pay(provider)

    with pytest.raises(IdempotencyKeyReused):
        pay(provider, fingerprint="f2")


def test_a_mistyped_number_is_an_invalid_card(provider: InspectableProvider) -> None:
    with pytest.raises(InvalidCard):
        pay(provider, NOT_LUHN)

    assert provider.net_charged() == Decimal(0)


def test_refunds_repeat_per_reason_and_a_full_refund_frees_the_key(
    provider: InspectableProvider,
) -> None:
    charge = pay(provider)

    first = provider.refund(charge, FIVE, reason="seat A1")
    assert provider.refund(charge, FIVE, reason="seat A1") == first
    assert provider.net_charged() == Decimal("5.00")
    assert provider.refund(charge, FIVE, reason="seat A2") != first
    assert provider.net_charged() == Decimal(0)

    fresh = pay(provider)
    assert fresh.replayed is False
    assert fresh.reference != charge.reference
    assert provider.net_charged() == Decimal("10.00")
