"""Reserve and buy, through the services, on the in-memory fake storage."""

from __future__ import annotations

from contextlib import AbstractContextManager
from dataclasses import replace
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from booking_support import (
    APPROVED,
    DECLINED,
    NOT_LUHN,
    STARTS,
    box_office,
    seed_catalog,
)
from cinema_cli.domain.errors import (
    HoldExpired,
    IdempotencyKeyReused,
    InvalidCard,
    InvalidEmail,
    InvalidInput,
    LockTimeout,
    PaymentDeclined,
    ReservationNotFound,
    SeatNotFound,
    SeatUnavailable,
    ShowingNotBookable,
    ShowingNotFound,
    TooManySeats,
)
from cinema_cli.domain.models import ClaimKind, Money, ShowingStatus
from cinema_cli.domain.purchase import legacy_request_fingerprint
from cinema_cli.present import booking as present
from cinema_cli.services import booking as service
from cinema_cli.services.ports.tickets import TicketClaims
from fakes import FakeStorage, FakeTransaction, MovableClock


@pytest.fixture
def storage() -> FakeStorage:
    store = FakeStorage()
    with store.transaction() as tx:
        seed_catalog(tx)
    return store


@pytest.fixture
def clock() -> MovableClock:
    return MovableClock()


def live_seats(storage: FakeStorage, clock: MovableClock) -> dict[str, str]:
    return {
        c.seat_id: f"{c.kind}:{c.session_id or c.booking_id}"
        for c in storage.claims("sh-1")
        if c.is_live(clock())
    }


def hold(storage: FakeStorage, clock: MovableClock, *seats: str, session: str = "s-ada") -> str:
    result = service.reserve(
        storage, clock, "sh-1", seats=seats, session_id=session, hold_seconds=600
    )
    return result.reservation.id


def buy(
    storage: FakeStorage, clock: MovableClock, office: service.BoxOffice, rid: str, **kw: object
) -> service.Purchase:
    args: dict[str, object] = {
        "reservation_id": rid,
        "session_id": "s-ada",
        "name": "Ada Lovelace",
        "email": "ada@example.com",
        "card": APPROVED,
    }
    args.update(kw)
    return service.buy(storage, clock, office, **args)  # type: ignore[arg-type]


def legacy_fingerprint(rid: str, amount: Money) -> str:
    """What the release before the buyer's name was fingerprinted recorded for ``buy()``."""
    return legacy_request_fingerprint(
        reservation_id=rid,
        session_id="s-ada",
        email="ada@example.com",
        last4=APPROVED.replace(" ", "")[-4:],
        amount=amount,
    )


# -- reserve -----------------------------------------------------------------------------------
def test_reserve_named_seats_holds_them_for_the_session(
    storage: FakeStorage, clock: MovableClock
) -> None:
    result = service.reserve(storage, clock, "sh-1", seats=["c7", "C8"], session_id="s-ada")
    view = present.reservation(result)
    assert view["seats"] == ["C7", "C8"]
    assert view["total"] == {"amount": "25.00", "currency": "USD"}
    assert view["expires_at"] == "2026-11-24T07:10:00-05:00"
    assert live_seats(storage, clock) == {"C7": "hold:s-ada", "C8": "hold:s-ada"}
    assert storage.audit(result.reservation.id)[0].action == "hold"


def test_reserve_by_count_picks_standard_seats_by_default(
    storage: FakeStorage, clock: MovableClock
) -> None:
    result = service.reserve(storage, clock, "sh-1", count=3)
    assert result.new_session
    assert result.reservation.session_id.startswith("s-")
    # row D is two thirds back; D5-D7 and D8-D10 strand nobody, the leftmost wins the tie
    assert result.reservation.seats == ["D5", "D6", "D7"]
    premium = service.reserve(storage, clock, "sh-1", count=2, category="premium")
    assert premium.reservation.total.amount == Decimal("36.00")


def test_another_sessions_hold_makes_seats_unavailable(
    storage: FakeStorage, clock: MovableClock
) -> None:
    hold(storage, clock, "C7", "C8")
    with pytest.raises(SeatUnavailable) as caught:
        hold(storage, clock, "C8", "C9", session="s-bob")
    assert caught.value.details["seats"] == ["C8"]
    assert caught.value.exit_code == 4


def test_reserving_again_in_a_session_replaces_its_hold(
    storage: FakeStorage, clock: MovableClock
) -> None:
    first = hold(storage, clock, "C7", "C8")
    second = service.reserve(storage, clock, "sh-1", seats=["C8", "C9"], session_id="s-ada")
    assert second.replaced == first
    assert live_seats(storage, clock) == {"C8": "hold:s-ada", "C9": "hold:s-ada"}
    assert storage.reservation(first) is None


def test_a_hold_expires_lazily_and_its_seats_are_free_again(
    storage: FakeStorage, clock: MovableClock, tmp_path: Path
) -> None:
    rid = hold(storage, clock, "C7")
    clock.advance(seconds=600)  # expires_at == now: dead
    hold(storage, clock, "C7", session="s-bob")
    office, payments = box_office(tmp_path, storage)
    with pytest.raises(HoldExpired):
        buy(storage, clock, office, rid)
    assert payments.charges == 0


def test_blocked_unknown_and_too_many_seats_are_refused(
    storage: FakeStorage, clock: MovableClock
) -> None:
    with pytest.raises(SeatUnavailable):
        hold(storage, clock, "F4")  # the x cell in row F
    with pytest.raises(SeatNotFound) as unknown:
        hold(storage, clock, "Z1")
    assert unknown.value.details["seats"] == ["Z1"]
    with pytest.raises(TooManySeats) as many:
        service.reserve(storage, clock, "sh-1", count=11)
    assert many.value.exit_code == 6
    with pytest.raises(InvalidInput):
        service.reserve(storage, clock, "sh-1", count=2, category="balcony")
    with pytest.raises(InvalidInput):
        service.reserve(storage, clock, "sh-1")
    with pytest.raises(InvalidInput):
        service.reserve(storage, clock, "sh-1", count=1, session_id="../etc")


def test_cancelled_started_and_unknown_showings_cannot_be_reserved(
    storage: FakeStorage, clock: MovableClock
) -> None:
    with pytest.raises(ShowingNotBookable):
        service.reserve(storage, clock, "sh-x", count=1)
    with pytest.raises(ShowingNotFound):
        service.reserve(storage, clock, "nope", count=1)
    clock.now = STARTS
    with pytest.raises(ShowingNotBookable):
        service.reserve(storage, clock, "sh-1", count=1)


# -- buy ---------------------------------------------------------------------------------------
def test_buy_sells_the_seats_with_one_ticket_each(
    storage: FakeStorage, clock: MovableClock, tmp_path: Path
) -> None:
    office, payments = box_office(tmp_path, storage)
    rid = hold(storage, clock, "C7", "E5")
    purchase = buy(storage, clock, office, rid)
    booking = purchase.booking
    assert [t.seat_id for t in booking.tickets] == ["C7", "E5"]
    assert [str(t.category) for t in booking.tickets] == ["standard", "premium"]
    assert booking.total.amount == Decimal("30.50")
    assert len({t.code for t in booking.tickets}) == 2
    assert all(len(t.code) >= 22 for t in booking.tickets)  # >= 128 bits, url-safe base64
    assert live_seats(storage, clock) == {"C7": f"sold:{booking.id}", "E5": f"sold:{booking.id}"}
    assert storage.user_by_email("ADA@example.com") is not None
    assert storage.idempotency(f"reservation:{rid}") is not None
    assert payments.charges == 1
    assert payments.inner.net_charged() == Decimal("30.50")
    view = present.purchase(purchase)
    assert view["status"] == "confirmed"
    assert view["payment"] == {"brand": "visa", "last4": "4242"}
    assert view["showing"]["starts_at"] == "2026-11-30T19:00:00-05:00"
    assert view["eticket_pdf"] is not None
    assert Path(view["eticket_pdf"]).is_file()
    assert view["confirmation_eml"] is not None
    assert Path(view["confirmation_eml"]).is_file()
    actions = [e.action for e in storage.audit()]
    assert actions == ["hold", "purchase"]


def test_a_user_is_found_again_by_email(
    storage: FakeStorage, clock: MovableClock, tmp_path: Path
) -> None:
    office, _ = box_office(tmp_path, storage)
    first = buy(storage, clock, office, hold(storage, clock, "C7"))
    clock.advance(minutes=1)
    second = buy(storage, clock, office, hold(storage, clock, "C9"), email="Ada@Example.com")
    assert first.booking.user_id == second.booking.user_id
    assert [b.id for b in storage.bookings_by_email("ada@example.com")] == [
        second.booking.id,
        first.booking.id,
    ]


def test_idempotent_retry_returns_the_first_booking_and_charges_once(
    storage: FakeStorage, clock: MovableClock, tmp_path: Path
) -> None:
    office, payments = box_office(tmp_path, storage)
    rid = hold(storage, clock, "C7", "C8")
    first = buy(storage, clock, office, rid, idempotency_key="order-1")
    again = buy(storage, clock, office, rid, idempotency_key="order-1")
    assert again.booking.id == first.booking.id
    assert again.replayed
    assert payments.charges == 1
    assert payments.inner.net_charged() == Decimal("25.00")
    # without a key the reservation itself is the key: a plain retry cannot charge twice
    rid2 = hold(storage, clock, "D1")
    one = buy(storage, clock, office, rid2)
    two = buy(storage, clock, office, rid2)
    assert one.booking.id == two.booking.id
    assert payments.inner.net_charged() == Decimal("37.50")


def test_a_used_key_with_a_different_request_is_refused(
    storage: FakeStorage, clock: MovableClock, tmp_path: Path
) -> None:
    office, payments = box_office(tmp_path, storage)
    buy(storage, clock, office, hold(storage, clock, "C7"), idempotency_key="order-1")
    other = hold(storage, clock, "C9")
    with pytest.raises(IdempotencyKeyReused) as caught:
        buy(storage, clock, office, other, idempotency_key="order-1")
    assert caught.value.exit_code == 4
    with pytest.raises(IdempotencyKeyReused):
        buy(storage, clock, office, other, idempotency_key="order-1", email="bob@example.com")
    assert payments.charges == 1


def test_a_used_key_with_another_buyer_name_is_refused_not_replayed(
    storage: FakeStorage, clock: MovableClock, tmp_path: Path
) -> None:
    office, payments = box_office(tmp_path, storage)
    rid = hold(storage, clock, "C7")
    first = buy(storage, clock, office, rid, idempotency_key="order-1")
    with pytest.raises(IdempotencyKeyReused):
        buy(storage, clock, office, rid, idempotency_key="order-1", name="Bob Smith")
    again = buy(storage, clock, office, rid, idempotency_key="order-1")
    assert again.replayed
    assert again.booking.id == first.booking.id
    assert payments.charges == 1


def test_a_key_recorded_before_names_were_fingerprinted_still_replays_for_that_name(
    storage: FakeStorage, clock: MovableClock, tmp_path: Path
) -> None:
    office, payments = box_office(tmp_path, storage)
    rid = hold(storage, clock, "C7")
    first = buy(storage, clock, office, rid, idempotency_key="order-1")
    legacy = legacy_fingerprint(rid, first.booking.total)
    record = storage.idempotency("order-1")
    assert record is not None
    with storage.transaction() as tx:
        tx.put_idempotency(replace(record, fingerprint=legacy))
    again = buy(storage, clock, office, rid, idempotency_key="order-1")
    assert again.replayed
    assert again.booking.id == first.booking.id
    with pytest.raises(IdempotencyKeyReused):
        buy(storage, clock, office, rid, idempotency_key="order-1", name="Bob Smith")
    assert payments.charges == 1


def test_an_attempt_an_earlier_release_left_open_goes_on_with_its_fingerprint(
    storage: FakeStorage, clock: MovableClock, tmp_path: Path
) -> None:
    from cinema_cli.services import charges

    office, payments = box_office(tmp_path, storage)
    rid = hold(storage, clock, "C7")
    reservation = storage.reservation(rid)
    assert reservation is not None
    legacy = legacy_fingerprint(rid, reservation.total)
    with storage.transaction() as tx:  # a purchase that died before charging, before upgrading
        charges.open_attempt(
            tx,
            "order-1",
            fingerprint=legacy,
            reservation_id=rid,
            amount=reservation.total,
            now=clock(),
        )
    bought = buy(storage, clock, office, rid, idempotency_key="order-1")
    assert not bought.replayed
    assert payments.charges == 1
    again = buy(storage, clock, office, rid, idempotency_key="order-1")
    assert again.replayed
    assert again.booking.id == bought.booking.id


def test_a_declined_card_leaves_no_booking_and_keeps_the_hold(
    storage: FakeStorage, clock: MovableClock, tmp_path: Path
) -> None:
    office, _ = box_office(tmp_path, storage)
    rid = hold(storage, clock, "C7")
    with pytest.raises(PaymentDeclined) as caught:
        buy(storage, clock, office, rid, card=DECLINED)
    assert caught.value.exit_code == 5
    assert storage.bookings_by_email("ada@example.com") == []
    assert live_seats(storage, clock) == {"C7": "hold:s-ada"}
    # the decline did not use up the (automatic) key: another card works
    purchase = buy(storage, clock, office, rid, card="5555 5555 5555 4444")
    assert purchase.booking.payment.brand == "mastercard"


def test_bad_card_email_and_name_are_refused_before_any_charge(
    storage: FakeStorage, clock: MovableClock, tmp_path: Path
) -> None:
    office, payments = box_office(tmp_path, storage)
    rid = hold(storage, clock, "C7")
    with pytest.raises(InvalidCard) as caught:
        buy(storage, clock, office, rid, card=NOT_LUHN)
    assert NOT_LUHN not in caught.value.message
    with pytest.raises(InvalidCard):
        buy(storage, clock, office, rid, card="42")
    with pytest.raises(InvalidEmail):
        buy(storage, clock, office, rid, email="ada@")
    with pytest.raises(InvalidInput):
        buy(storage, clock, office, rid, name="Ada\x00")
    assert payments.charges == 0


def test_only_the_holding_session_can_buy(
    storage: FakeStorage, clock: MovableClock, tmp_path: Path
) -> None:
    office, _ = box_office(tmp_path, storage)
    rid = hold(storage, clock, "C7")
    with pytest.raises(ReservationNotFound) as caught:
        buy(storage, clock, office, rid, session_id="s-eve")
    assert caught.value.exit_code == 3
    with pytest.raises(ReservationNotFound):
        buy(storage, clock, office, "r-unknown")


def test_a_payment_landing_after_the_hold_expired_is_refunded(
    storage: FakeStorage, clock: MovableClock, tmp_path: Path
) -> None:
    office, payments = box_office(tmp_path, storage)
    rid = hold(storage, clock, "C7", "C8")

    def slow_bank() -> None:
        clock.advance(seconds=601)
        hold(storage, clock, "C8", session="s-bob")

    payments.after_charge = slow_bank
    with pytest.raises(HoldExpired) as caught:
        buy(storage, clock, office, rid)
    assert caught.value.details["refunded"] == {"amount": "25.00", "currency": "USD"}
    assert payments.refunds == 1
    assert payments.inner.net_charged() == Decimal("0")
    assert storage.bookings_by_email("ada@example.com") == []
    assert storage.audit(rid)[-1].action == "payment_refunded"
    assert live_seats(storage, clock) == {"C8": "hold:s-bob"}


def test_the_card_number_is_stored_nowhere(
    storage: FakeStorage, clock: MovableClock, tmp_path: Path
) -> None:
    office, _ = box_office(tmp_path, storage)
    buy(storage, clock, office, hold(storage, clock, "C7"))
    dumped = repr(list(storage.dump()))
    assert APPROVED not in dumped
    for path in tmp_path.rglob("*"):
        if path.is_file():
            assert APPROVED.encode() not in path.read_bytes(), path


def test_ticket_codes_vouch_for_two_hours_before_start_until_the_end(
    storage: FakeStorage, clock: MovableClock, tmp_path: Path
) -> None:
    office, _ = box_office(tmp_path, storage)
    seen: list[TicketClaims] = []

    class Recorder:
        def issue(self, claims: TicketClaims, unit: object = None) -> str:
            seen.append(claims)
            return f"code-{len(seen)}"

    recording = service.BoxOffice(office.payments, Recorder(), office.printer, office.outbox)
    purchase = buy(storage, clock, recording, hold(storage, clock, "C7"))
    (claims,) = seen
    assert claims.seat_id == "C7"
    assert claims.showing_id == "sh-1"
    assert claims.valid_from.isoformat() == "2026-11-30T22:00:00+00:00"
    assert claims.valid_until.isoformat() == "2026-12-01T03:00:00+00:00"
    assert purchase.booking.tickets[0].code == "code-1"


def test_booking_lookups(storage: FakeStorage, clock: MovableClock, tmp_path: Path) -> None:
    office, _ = box_office(tmp_path, storage)
    purchase = buy(storage, clock, office, hold(storage, clock, "C7"))
    details = service.booking(storage, clock, purchase.booking.id, office=office)
    assert details.files is not None
    assert purchase.files is not None
    assert details.files.pdf == purchase.files.pdf
    assert details.confirmation == purchase.confirmation
    assert [d.booking.id for d in service.bookings_by_email(storage, clock, "ADA@example.com")] == [
        purchase.booking.id
    ]
    assert service.bookings_by_email(storage, clock, "nobody@example.com") == []


def test_demo_booking_reserves_and_buys(
    storage: FakeStorage, clock: MovableClock, tmp_path: Path
) -> None:
    office, _ = box_office(tmp_path, storage)
    purchase = service.demo_booking(storage, clock, office, "sh-1")
    assert purchase.booking.seats == ["D7", "D8"]  # the best block of two standard seats
    assert purchase.files is not None
    assert purchase.files.pdf.is_file()
    assert any(c.kind is ClaimKind.SOLD for c in storage.claims("sh-1"))


def test_a_showing_cancelled_during_payment_is_refunded(
    storage: FakeStorage, clock: MovableClock, tmp_path: Path
) -> None:
    office, payments = box_office(tmp_path, storage)
    rid = hold(storage, clock, "C7")

    def cancel() -> None:
        showing = storage.showing("sh-1")
        assert showing is not None
        with storage.transaction() as tx:
            tx.put_showings([replace(showing, status=ShowingStatus.CANCELLED)])

    payments.after_charge = cancel
    with pytest.raises(ShowingNotBookable):
        buy(storage, clock, office, rid)
    assert payments.inner.net_charged() == Decimal("0")


def test_a_failed_commit_is_refunded_and_a_retry_charges_afresh_once(
    storage: FakeStorage, clock: MovableClock, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    office, payments = box_office(tmp_path, storage)
    rid = hold(storage, clock, "C7")
    real_transaction = storage.transaction
    calls = []

    # The commit after the charge cannot get the lock, once.
    def flaky_transaction() -> AbstractContextManager[FakeTransaction]:
        calls.append(1)
        if len(calls) == 2:
            raise LockTimeout("the data lock stayed busy")
        return real_transaction()

    monkeypatch.setattr(storage, "transaction", flaky_transaction)
    with pytest.raises(LockTimeout) as caught:
        buy(storage, clock, office, rid)
    assert "refunded" in caught.value.details
    assert payments.inner.net_charged() == Decimal("0")
    purchase = buy(storage, clock, office, rid)
    assert not purchase.replayed
    assert payments.inner.net_charged() == Decimal("12.50")
    assert len(payments.inner.ledger()["closed"]) == 1


def test_an_unexpected_failure_after_the_charge_is_refunded_too(
    storage: FakeStorage, clock: MovableClock, tmp_path: Path
) -> None:
    office, payments = box_office(tmp_path, storage)
    rid = hold(storage, clock, "C7")

    class BrokenCodes:
        def issue(self, claims: Any, unit: Any = None) -> str:
            raise RuntimeError("the signing key vanished")

    broken = replace(office, codes=BrokenCodes())
    with pytest.raises(RuntimeError):
        buy(storage, clock, broken, rid)
    assert payments.inner.net_charged() == Decimal("0")
    assert storage.bookings_by_email("ada@example.com") == []
    assert buy(storage, clock, office, rid).booking.seats == ["C7"]
    assert payments.inner.net_charged() == Decimal("12.50")


def test_a_hold_whose_seat_left_the_room_is_void_and_its_payment_refunded(
    storage: FakeStorage, clock: MovableClock, tmp_path: Path
) -> None:
    office, payments = box_office(tmp_path, storage)
    rid = hold(storage, clock, "C7")
    with storage.transaction() as tx:  # an import shrank the room under the hold
        theater = tx.theater("downtown")
        assert theater is not None
        room = replace(theater.rooms[0], layout=["A ss", "B ss"])
        tx.put_theater(replace(theater, rooms=[room]))
    with pytest.raises(HoldExpired, match="no longer exists"):
        buy(storage, clock, office, rid)
    assert payments.inner.net_charged() == Decimal("0")
