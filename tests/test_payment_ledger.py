"""A charge always ends in a sale or a refund: the ledger's intent, outcome and settlement."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from pathlib import Path

import pytest

from booking_support import APPROVED, DECLINED, box_office, seed_catalog
from cinema_cli.domain.errors import HoldExpired, PaymentDeclined
from cinema_cli.domain.ledger import ChargeStatus
from cinema_cli.services import booking as service
from cinema_cli.services import payments as ledger
from fakes import FakeStorage, MovableClock


class Killed(BaseException):
    """Stands for a SIGKILL: nothing after it runs, no handler sees it."""


@pytest.fixture
def storage() -> FakeStorage:
    store = FakeStorage()
    with store.transaction() as tx:
        seed_catalog(tx)
    return store


@pytest.fixture
def clock() -> MovableClock:
    return MovableClock()


def hold(storage: FakeStorage, clock: MovableClock, seat: str = "C7") -> str:
    result = service.reserve(
        storage, clock, "sh-1", seats=(seat,), session_id="s-ada", hold_seconds=600
    )
    return result.reservation.id


def buy(
    storage: FakeStorage,
    clock: MovableClock,
    office: service.BoxOffice,
    rid: str,
    card: str = APPROVED,
) -> service.Purchase:
    return service.buy(
        storage,
        clock,
        office,
        reservation_id=rid,
        session_id="s-ada",
        name="Ada Lovelace",
        email="ada@example.com",
        card=card,
    )


def killed_after_the_charge(
    storage: FakeStorage, clock: MovableClock, office: service.BoxOffice, rid: str
) -> None:
    def die() -> None:
        raise Killed

    payments = office.payments
    assert hasattr(payments, "after_charge")
    payments.after_charge = die
    with pytest.raises(Killed):
        buy(storage, clock, office, rid)
    payments.after_charge = None


def test_a_purchase_records_its_charge_captured_and_tied_to_the_booking(
    storage: FakeStorage, clock: MovableClock, tmp_path: Path
) -> None:
    office, _ = box_office(tmp_path, storage)
    purchase = buy(storage, clock, office, hold(storage, clock))

    [charge] = storage.charges()
    assert charge.status is ChargeStatus.CAPTURED
    assert charge.booking_id == purchase.booking.id
    assert charge.reference == purchase.booking.payment.reference


def test_a_purchase_killed_after_the_charge_leaves_a_pending_intent(
    storage: FakeStorage, clock: MovableClock, tmp_path: Path
) -> None:
    office, payments = box_office(tmp_path, storage)
    killed_after_the_charge(storage, clock, office, hold(storage, clock))

    [charge] = storage.charges()
    assert charge.status is ChargeStatus.PENDING
    assert charge.booking_id is None
    assert payments.inner.net_charged() == Decimal("12.50")


def test_a_retry_while_the_hold_lives_completes_the_sale_with_the_same_charge(
    storage: FakeStorage, clock: MovableClock, tmp_path: Path
) -> None:
    office, payments = box_office(tmp_path, storage)
    rid = hold(storage, clock)
    killed_after_the_charge(storage, clock, office, rid)

    purchase = buy(storage, clock, office, rid)

    [charge] = storage.charges()
    assert charge.booking_id == purchase.booking.id
    assert charge.status is ChargeStatus.CAPTURED
    assert payments.inner.net_charged() == Decimal("12.50")


def test_a_retry_after_the_hold_expired_refunds_and_says_so(
    storage: FakeStorage, clock: MovableClock, tmp_path: Path
) -> None:
    office, payments = box_office(tmp_path, storage)
    rid = hold(storage, clock)
    killed_after_the_charge(storage, clock, office, rid)
    clock.advance(minutes=11)

    with pytest.raises(HoldExpired) as caught:
        buy(storage, clock, office, rid)

    assert caught.value.details["refunded"] == {"amount": "12.50", "currency": "USD"}
    assert "refunded" in caught.value.message
    [charge] = storage.charges()
    assert charge.status is ChargeStatus.REFUNDED
    assert payments.inner.net_charged() == Decimal("0")
    assert storage.bookings_by_email("ada@example.com") == []


def test_a_retry_after_expiry_with_nothing_charged_refunds_nothing(
    storage: FakeStorage, clock: MovableClock, tmp_path: Path
) -> None:
    office, _ = box_office(tmp_path, storage)
    rid = hold(storage, clock)
    clock.advance(minutes=11)

    with pytest.raises(HoldExpired) as caught:
        buy(storage, clock, office, rid)

    assert "refunded" not in caught.value.details
    assert storage.charges() == []


def test_a_decline_closes_the_attempt_and_another_card_opens_the_next(
    storage: FakeStorage, clock: MovableClock, tmp_path: Path
) -> None:
    office, _ = box_office(tmp_path, storage)
    rid = hold(storage, clock)
    with pytest.raises(PaymentDeclined):
        buy(storage, clock, office, rid, card=DECLINED)

    buy(storage, clock, office, rid)

    assert [(c.attempt, c.status) for c in storage.charges()] == [
        (1, ChargeStatus.FAILED),
        (2, ChargeStatus.CAPTURED),
    ]


def test_reconcile_refunds_an_old_charge_without_a_booking_and_leaves_recent_ones(
    storage: FakeStorage, clock: MovableClock, tmp_path: Path
) -> None:
    office, payments = box_office(tmp_path, storage)
    stranded = hold(storage, clock, "C7")
    killed_after_the_charge(storage, clock, office, stranded)
    sold = hold(storage, clock, "C8")
    buy(storage, clock, office, sold)
    clock.advance(minutes=20)
    recent = hold(storage, clock, "C9")
    killed_after_the_charge(storage, clock, office, recent)

    result = ledger.reconcile(storage, clock, office.payments, older_than=ledger.default_age(600))

    assert [r.reservation_id for r in result.refunded] == [stranded]
    assert (result.checked, result.too_recent, result.problems) == (2, 1, [])
    statuses = {line.record.reservation_id: line.status for line in ledger.list_charges(storage)}
    assert statuses == {
        stranded: ChargeStatus.REFUNDED,
        sold: ChargeStatus.CAPTURED,
        recent: ChargeStatus.PENDING,
    }
    assert payments.inner.net_charged() == Decimal("25.00")


def test_reconcile_closes_an_intent_the_provider_never_charged(
    storage: FakeStorage, clock: MovableClock, tmp_path: Path
) -> None:
    office, _ = box_office(tmp_path, storage)
    rid = hold(storage, clock)

    def die_before_charging(*args: object, **kwargs: object) -> None:
        raise Killed

    real_charge = office.payments.charge
    office.payments.charge = die_before_charging  # type: ignore[method-assign,assignment]
    with pytest.raises(Killed):
        buy(storage, clock, office, rid)
    office.payments.charge = real_charge  # type: ignore[method-assign]
    clock.advance(minutes=30)

    result = ledger.reconcile(storage, clock, office.payments, older_than=timedelta(minutes=15))

    assert [c.status for c in result.closed] == [ChargeStatus.FAILED]
    assert result.refunded == []


def test_reconcile_twice_refunds_once(
    storage: FakeStorage, clock: MovableClock, tmp_path: Path
) -> None:
    office, payments = box_office(tmp_path, storage)
    killed_after_the_charge(storage, clock, office, hold(storage, clock))
    clock.advance(minutes=30)

    first = ledger.reconcile(storage, clock, office.payments, older_than=timedelta(0))
    second = ledger.reconcile(storage, clock, office.payments, older_than=timedelta(0))

    assert (len(first.refunded), len(second.refunded), second.checked) == (1, 0, 0)
    assert payments.refunds == 1
