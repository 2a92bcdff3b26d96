"""Cancellation and refunds at the service level, and the late-payment refund of ``buy``."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any, cast

import pytest

from builders import NOW
from cinema_cli.adapters.payment import TestPaymentProvider
from cinema_cli.adapters.signing import Ed25519TicketCodes
from cinema_cli.domain.errors import CancellationClosed, HoldExpired
from cinema_cli.domain.models import BookingStatus, TicketStatus
from cinema_cli.services import booking as box
from cinema_cli.services.cancellation import cancel
from cinema_cli.services.ports.storage import Storage
from cinema_cli.storage.json import JsonStorage
from fakes import FakeOutbox, FakeStorage, FakeTicketPrinter, MovableClock
from ticket_support import SHOW_STARTS, keyring, stock

CARD = "4242424242424242"


@pytest.fixture(params=["fake", "json"])
def storage(request: pytest.FixtureRequest, tmp_path: Path) -> Any:
    store: Any = FakeStorage() if request.param == "fake" else JsonStorage(tmp_path / "data")
    stock(store)
    return store


@pytest.fixture
def payments(storage: Any) -> TestPaymentProvider:
    return TestPaymentProvider(storage)


@pytest.fixture
def office(tmp_path: Path, payments: TestPaymentProvider) -> box.BoxOffice:
    return box.BoxOffice(
        payments=payments,
        codes=Ed25519TicketCodes(keyring(tmp_path / "data")),
        printer=FakeTicketPrinter(),
        outbox=FakeOutbox(),
    )


def purchase(storage: Any, office: box.BoxOffice, clock: Callable[[], datetime]) -> Any:
    held = box.reserve(storage, clock, "s1", seats=["A1", "A2", "A3"])
    return box.buy(
        storage,
        clock,
        office,
        reservation_id=held.reservation.id,
        session_id=held.reservation.session_id,
        name="Ada",
        email="ada@example.org",
        card=CARD,
    ).booking


def test_cancelling_a_whole_booking_frees_every_seat_and_refunds_it_all(
    storage: Any, office: box.BoxOffice, payments: TestPaymentProvider
) -> None:
    clock = MovableClock(NOW)
    booking = purchase(storage, office, clock)
    result = cancel(storage, clock, payments, None, booking.id)
    assert result.booking.status is BookingStatus.CANCELLED
    assert {t.status for t in result.booking.tickets} == {TicketStatus.CANCELLED}
    assert result.refund is not None
    assert result.refund.amount.amount == Decimal("37.50")
    assert result.booking.payment.refunded.amount == Decimal("37.50")
    assert storage.claims("s1") == []
    assert storage.sold_counts(["s1"]) == {"s1": 0}
    assert payments.net_charged() == 0


def test_partial_cancellations_add_up_and_repeat_nothing(
    storage: Any, office: box.BoxOffice, payments: TestPaymentProvider
) -> None:
    clock = MovableClock(NOW)
    booking = purchase(storage, office, clock)
    first = cancel(storage, clock, payments, None, booking.id, tickets=["a1"])
    assert first.booking.status is BookingStatus.PARTIALLY_CANCELLED
    again = cancel(storage, clock, payments, None, booking.id, tickets=["A1"])
    assert again.cancelled == ()
    assert again.refund is None
    rest = cancel(storage, clock, payments, None, booking.id)  # the whole booking: A2, A3 left
    assert [t.seat_id for t in rest.cancelled] == ["A2", "A3"]
    assert [t.seat_id for t in rest.already_cancelled] == ["A1"]
    stored = storage.booking(booking.id)
    assert [r.amount.amount for r in stored.refunds] == [Decimal("12.50"), Decimal("25.00")]
    assert stored.status is BookingStatus.CANCELLED
    assert payments.net_charged() == 0
    actions = [e.action for e in storage.audit(subject=booking.id)]
    assert actions.count("refund") == 2
    assert actions.count("cancel") == 2


def test_a_crash_after_the_refund_does_not_refund_twice_on_retry(
    storage: Any, office: box.BoxOffice, payments: TestPaymentProvider
) -> None:
    clock = MovableClock(NOW)
    booking = purchase(storage, office, clock)

    class Crash(Exception):
        pass

    class CrashingOutbox:
        def write_cancellation(self, notice: Any) -> Path:
            raise Crash  # after the commit: the cancellation stands

    class FailingStorage:
        """Refund goes out, then the commit fails (the process dies)."""

        def __init__(self, inner: Any) -> None:
            self.inner = inner

        def transaction(self) -> Any:
            from contextlib import contextmanager

            @contextmanager
            def failing() -> Any:
                with self.inner.transaction() as tx:
                    yield tx
                    raise Crash

            return failing()

    failing = cast(Storage, FailingStorage(storage))  # only transaction() is used
    with pytest.raises(Crash):
        cancel(failing, clock, payments, None, booking.id, tickets=["A2"])
    assert storage.booking(booking.id).refunds == []
    [charge] = payments.ledger()["charges"].values()
    # The provider's books are in the store: the refund was part of the cancellation's unit
    # of work, so it went back with it; no money moved for a cancellation that did not stand.
    assert charge["refunds"] == []
    with pytest.raises(Crash):
        cancel(storage, clock, payments, CrashingOutbox(), booking.id, tickets=["A2"])
    [charge] = payments.ledger()["charges"].values()
    assert len(charge["refunds"]) == 1  # ...once
    [refund] = storage.booking(booking.id).refunds
    assert refund.reference == charge["refunds"][0]["reference"]


def test_cancellation_closes_at_the_deadline(
    storage: Any, office: box.BoxOffice, payments: TestPaymentProvider
) -> None:
    clock = MovableClock(NOW)
    booking = purchase(storage, office, clock)
    clock.now = SHOW_STARTS - timedelta(minutes=30)
    with pytest.raises(CancellationClosed) as closed:
        cancel(storage, clock, payments, None, booking.id, cancel_minutes=30)
    assert "closed at Tue 24 Nov 2026 18:30 CET" in closed.value.message
    assert closed.value.details["deadline"] == "2026-11-24T17:30:00Z"
    clock.now = SHOW_STARTS - timedelta(minutes=30, seconds=1)
    cancel(storage, clock, payments, None, booking.id, cancel_minutes=30)
    # Once all is cancelled, asking again after the deadline is not an error: nothing to do.
    clock.now = SHOW_STARTS
    assert cancel(storage, clock, payments, None, booking.id).cancelled == ()


def test_a_payment_landing_after_its_hold_expired_is_refunded_not_booked(
    storage: Any, office: box.BoxOffice, payments: TestPaymentProvider
) -> None:
    """The buyer's hold dies while the card is charged and someone else takes a seat."""
    clock = MovableClock(NOW)
    held = box.reserve(storage, clock, "s1", seats=["B1", "B2"], hold_seconds=60)
    real_charge = payments.charge

    def slow_charge(*args: Any, **kwargs: Any) -> Any:
        charged = real_charge(*args, **kwargs)
        clock.now = NOW + timedelta(minutes=2)  # the hold expired meanwhile
        box.reserve(storage, clock, "s1", seats=["B2"], session_id="someone-else")
        return charged

    payments.charge = slow_charge  # type: ignore[method-assign]
    with pytest.raises(HoldExpired) as refused:
        box.buy(
            storage,
            clock,
            office,
            reservation_id=held.reservation.id,
            session_id=held.reservation.session_id,
            name="Ada",
            email="ada@example.org",
            card=CARD,
        )
    assert refused.value.details["refunded"] == {"amount": "25.00", "currency": "EUR"}
    assert payments.net_charged() == 0
    assert storage.bookings_by_email("ada@example.org") == []
    owners = {c.seat_id: c.session_id for c in storage.claims("s1") if c.is_live(clock.now)}
    assert owners == {"B2": "someone-else"}
    assert [e.action for e in storage.audit(subject=held.reservation.id)][-1] == (
        "payment_refunded"
    )
