"""The storage contract: every backend behaves the same (fake, json, sqlite, postgresql)."""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Callable
from dataclasses import replace
from datetime import time
from pathlib import Path
from typing import Any

import contract_builders as b
import pytest
from contract_backends import BACKENDS, Backend

from cinema_cli.domain.errors import HoldExpired, SeatUnavailable
from cinema_cli.domain.ledger import ChargeStatus
from cinema_cli.domain.models import ClaimKind, ShowingStatus, TicketStatus
from cinema_cli.services.ports.storage import RECORD_KINDS, ShowingQuery


def seed(storage: Any, *, showings: int = 1) -> None:
    """A city, a theater with two rooms, a movie and ``showings`` showings (sh1, sh2...)."""
    with storage.transaction() as tx:
        tx.put_city(b.city())
        tx.put_theater(b.theater())
        tx.put_movies([b.movie()])
        tx.put_showings([b.showing(f"sh{n}", starts=n) for n in range(1, showings + 1)])


def hold_seats(
    storage: Any, seats: tuple[str, ...], reservation_id: str = "res1", **kw: Any
) -> None:
    with storage.transaction() as tx:
        tx.claim_seats("sh1", [b.hold(s, reservation_id, **kw) for s in seats], now=b.NOW)
        tx.put_reservation(b.reservation(reservation_id, seats, **kw))


def claim_map(storage: Any, showing_id: str = "sh1") -> dict[str, tuple[str, str | None]]:
    return {c.seat_id: (str(c.kind), c.reservation_id) for c in storage.claims(showing_id)}


# -- catalog ---------------------------------------------------------------------------------------
def test_catalog_round_trips(storage: Any) -> None:
    with storage.transaction() as tx:
        tx.put_city(b.city())
        tx.put_city(b.city("shelbyville", "Shelbyville"))
        tx.put_theater(b.theater())
        tx.put_theater(b.theater("odeon", "shelbyville", "Odeon", rooms=1))
        tx.put_theater(b.theater("abc", "springfield", "ABC", rooms=3))
        tx.put_movies([b.movie(), b.movie("alien", "Alien")])
        tx.put_showings([b.showing()])

    assert storage.cities() == [b.city("shelbyville", "Shelbyville"), b.city()]
    assert storage.theaters() == [
        b.theater("odeon", "shelbyville", "Odeon", rooms=1),
        b.theater("abc", "springfield", "ABC", rooms=3),
        b.theater(),
    ]
    assert storage.theaters("springfield") == [
        b.theater("abc", "springfield", "ABC", rooms=3),
        b.theater(),
    ]
    assert storage.theaters("nowhere") == []
    assert storage.theater("rex") == b.theater()
    assert [room.id for room in storage.theater("abc").rooms] == ["r1", "r2", "r3"]
    assert storage.theater("missing") is None
    assert storage.movies() == [b.movie("alien", "Alien"), b.movie()]
    assert storage.movie("dune") == b.movie()
    assert storage.movie("missing") is None
    assert storage.showing("sh1") == b.showing()
    assert storage.showing("missing") is None


def test_putting_a_theater_again_replaces_it_with_its_rooms(storage: Any) -> None:
    with storage.transaction() as tx:
        tx.put_city(b.city())
        tx.put_theater(b.theater(rooms=3))
    with storage.transaction() as tx:
        tx.put_theater(b.theater(name="Rex Deluxe", rooms=1))

    assert storage.theaters() == [b.theater(name="Rex Deluxe", rooms=1)]


def test_a_theaters_business_day_cut_off_is_stored(storage: Any) -> None:
    late = replace(b.theater(), business_day_cutoff=time(4, 30))
    with storage.transaction() as tx:
        tx.put_city(b.city())
        tx.put_theater(late)

    assert storage.theater(late.id) == late
    assert storage.theater(late.id).business_day_cutoff == time(4, 30)


def test_putting_showings_again_replaces_them_by_id(storage: Any) -> None:
    seed(storage, showings=2)
    with storage.transaction() as tx:
        tx.put_showings([b.showing("sh1", starts=1, status=ShowingStatus.CANCELLED)])

    assert storage.showing("sh1").status is ShowingStatus.CANCELLED
    assert storage.showing("sh2") == b.showing("sh2", starts=2)


def test_a_showing_moved_to_another_theater_exists_once_and_keeps_its_holds(
    storage: Any,
) -> None:
    seed(storage, showings=1)
    hold_seats(storage, ("A1", "A2"))
    with storage.transaction() as tx:
        tx.put_theater(b.theater("abc", name="ABC"))
        tx.put_showings([b.showing("sh1", starts=1, theater_id="abc")])

    assert ids(storage.showings(ShowingQuery())) == ["sh1"]
    assert storage.showing("sh1").theater_id == "abc"
    assert storage.showings(ShowingQuery(theater_ids=frozenset({"rex"}))) == []
    assert set(claim_map(storage)) == {"A1", "A2"}
    assert storage.reservation("res1") is not None
    assert storage.seats_taken(["sh1"], b.NOW) == {"sh1": 2}


def test_bulk_showings_land_together(storage: Any) -> None:
    seed(storage, showings=0)
    with storage.transaction() as tx:
        tx.put_showings(b.showing(f"bulk{n:05}", starts=n / 100) for n in range(3000))

    assert len(storage.showings(ShowingQuery())) == 3000


# -- search ----------------------------------------------------------------------------------------
@pytest.fixture
def programme(storage: Any) -> Any:
    """Two theaters, two movies, showings at hours 1..4 (one cancelled, two at the same time)."""
    with storage.transaction() as tx:
        tx.put_city(b.city())
        tx.put_theater(b.theater())
        tx.put_theater(b.theater("abc", name="ABC"))
        tx.put_movies([b.movie(), b.movie("alien", "Alien")])
        tx.put_showings(
            [
                b.showing("s4", starts=4),
                b.showing("s2b", starts=2, theater_id="abc", movie_id="alien"),
                b.showing("s2a", starts=2),
                b.showing("s1", starts=1, movie_id="alien"),
                b.showing("s3", starts=3, status=ShowingStatus.CANCELLED),
            ]
        )
    return storage


def ids(showings: list[Any]) -> list[str]:
    return [s.id for s in showings]


def test_showings_are_ordered_by_start_then_id_and_skip_cancelled(programme: Any) -> None:
    assert ids(programme.showings(ShowingQuery())) == ["s1", "s2a", "s2b", "s4"]
    assert ids(programme.showings(ShowingQuery(include_cancelled=True))) == [
        "s1", "s2a", "s2b", "s3", "s4",
    ]  # fmt: skip


def test_showings_filter_by_movie_and_theater(programme: Any) -> None:
    assert ids(programme.showings(ShowingQuery(movie_ids=frozenset({"alien"})))) == ["s1", "s2b"]
    assert ids(programme.showings(ShowingQuery(theater_ids=frozenset({"abc"})))) == ["s2b"]
    both = ShowingQuery(movie_ids=frozenset({"alien"}), theater_ids=frozenset({"rex"}))
    assert ids(programme.showings(both)) == ["s1"]
    assert programme.showings(ShowingQuery(movie_ids=frozenset())) == []
    assert programme.showings(ShowingQuery(theater_ids=frozenset({"nowhere"}))) == []


@pytest.mark.parametrize("unknown", [0, 3, 60], ids=["exact", "a-few-more", "many-more"])
def test_showings_of_several_theaters_and_movies_come_in_one_start_order(
    programme: Any, unknown: int
) -> None:
    # PostgreSQL reads a few ids one SELECT each (glued in start order), many as one list.
    others = {f"zz{n:02}" for n in range(unknown)}
    theaters = frozenset({"rex", "abc", *others})
    movies = frozenset({"dune", "alien", *others})
    everything = ["s1", "s2a", "s2b", "s4"]
    assert ids(programme.showings(ShowingQuery(theater_ids=theaters))) == everything
    assert ids(programme.showings(ShowingQuery(movie_ids=movies))) == everything
    both = ShowingQuery(theater_ids=theaters, movie_ids=movies, include_cancelled=True)
    assert ids(programme.showings(both)) == ["s1", "s2a", "s2b", "s3", "s4"]
    window = ShowingQuery(
        theater_ids=theaters,
        movie_ids=frozenset({"alien", *others}),
        starts_from=b.at(2),
        starts_before=b.at(4),
    )
    assert ids(programme.showings(window)) == ["s2b"]
    with programme.transaction() as tx:  # the locking read of a unit of work
        assert ids(tx.showings(ShowingQuery(theater_ids=theaters, movie_ids=movies))) == everything


def test_showings_time_range_includes_its_start_and_excludes_its_end(programme: Any) -> None:
    window = ShowingQuery(starts_from=b.at(2), starts_before=b.at(4), include_cancelled=True)
    assert ids(programme.showings(window)) == ["s2a", "s2b", "s3"]
    assert ids(programme.showings(ShowingQuery(starts_from=b.at(4)))) == ["s4"]
    assert ids(programme.showings(ShowingQuery(starts_before=b.at(2)))) == ["s1"]


def test_showings_time_range_accepts_any_zone_and_fractions_of_a_second(programme: Any) -> None:
    from datetime import timedelta, timezone

    tokyo = timezone(timedelta(hours=9))
    window = ShowingQuery(
        starts_from=b.at(2).astimezone(tokyo),
        starts_before=(b.at(4) - timedelta(microseconds=1)).astimezone(tokyo),
    )
    assert ids(programme.showings(window)) == ["s2a", "s2b"]
    just_after = ShowingQuery(starts_from=b.at(2) + timedelta(microseconds=1))
    assert ids(programme.showings(just_after)) == ["s4"]


def test_showings_by_ids_finds_stored_showings_of_any_theater_or_status(programme: Any) -> None:
    found = programme.showings_by_ids(["s2b", "s3", "missing", "s1", "s2b"])
    assert found == {
        "s1": b.showing("s1", starts=1, movie_id="alien"),
        "s2b": b.showing("s2b", starts=2, theater_id="abc", movie_id="alien"),
        "s3": b.showing("s3", starts=3, status=ShowingStatus.CANCELLED),
    }
    assert programme.showings_by_ids([]) == {}
    assert programme.showings_by_ids(iter(["s4"])) == {"s4": b.showing("s4", starts=4)}


def test_showings_by_ids_takes_thousands_and_sees_the_unit_of_works_writes(storage: Any) -> None:
    seed(storage, showings=0)
    with storage.transaction() as tx:
        tx.put_showings(b.showing(f"bulk{n:05}", starts=n / 100) for n in range(1200))
        asked = [f"bulk{n:05}" for n in range(0, 2400, 2)]  # every other id; half are unknown
        found = tx.showings_by_ids(asked)
        assert sorted(found) == [f"bulk{n:05}" for n in range(0, 1200, 2)]
        assert found["bulk00100"] == b.showing("bulk00100", starts=1)


# -- seats -----------------------------------------------------------------------------------------
def test_claims_and_seat_counts(storage: Any) -> None:
    seed(storage, showings=2)
    hold_seats(storage, ("A1", "A2"))
    with storage.transaction() as tx:
        tx.claim_seats(
            "sh1", [b.hold("A3", "old", expires=b.NOW)], now=b.NOW - b.HOLD
        )  # dies at NOW

    claims = {c.seat_id: c for c in storage.claims("sh1")}
    assert set(claims) == {"A1", "A2", "A3"}
    assert claims["A1"] == b.hold("A1")
    assert storage.claims("sh2") == []
    assert storage.seats_taken(["sh1", "sh2", "nope"], b.NOW) == {"sh1": 2, "sh2": 0, "nope": 0}
    assert storage.seats_taken(["sh1"], b.NOW - b.HOLD) == {"sh1": 3}
    assert storage.seats_taken(["sh1"], b.NOW + b.HOLD) == {"sh1": 0}
    assert storage.sold_counts(["sh1", "sh2"]) == {"sh1": 0, "sh2": 0}


def test_a_live_hold_is_not_taken_and_nothing_of_the_request_lands(storage: Any) -> None:
    seed(storage)
    hold_seats(storage, ("A2",), "other", session="sess2")

    with pytest.raises(SeatUnavailable) as refused, storage.transaction() as tx:
        tx.claim_seats("sh1", [b.hold("A1"), b.hold("A2"), b.hold("A3")], now=b.NOW)

    assert refused.value.details["seats"] == ["A2"]
    assert claim_map(storage) == {"A2": ("hold", "other")}


def test_a_refused_claim_changes_nothing_even_when_the_unit_of_work_goes_on(storage: Any) -> None:
    seed(storage)
    hold_seats(storage, ("A1", "A2"))
    hold_seats(storage, ("B1",), "other", session="sess2")

    with storage.transaction() as tx:
        with pytest.raises(SeatUnavailable):
            tx.claim_seats(
                "sh1", [b.hold("A3"), b.hold("B1")], now=b.NOW, replacing_reservation="res1"
            )
        tx.append_audit(b.audit(1))

    assert claim_map(storage) == {
        "A1": ("hold", "res1"), "A2": ("hold", "res1"), "B1": ("hold", "other"),
    }  # fmt: skip
    assert [e.id for e in storage.audit()] == ["a1"]


def test_a_dead_hold_makes_way_for_a_new_claim(storage: Any) -> None:
    seed(storage)
    hold_seats(storage, ("A1", "A2"), "old", expires=b.NOW)  # dead exactly at NOW

    with storage.transaction() as tx:
        tx.claim_seats("sh1", [b.hold("A2", "new"), b.hold("A3", "new")], now=b.NOW)

    assert claim_map(storage) == {
        "A1": ("hold", "old"), "A2": ("hold", "new"), "A3": ("hold", "new"),
    }  # fmt: skip


def test_a_hold_one_instant_before_expiry_is_still_live(storage: Any) -> None:
    seed(storage)
    hold_seats(storage, ("A1",), "old", expires=b.NOW + b.HOLD)

    with pytest.raises(SeatUnavailable), storage.transaction() as tx:
        tx.claim_seats("sh1", [b.hold("A1", "new")], now=b.NOW + b.HOLD - b.HOLD / 600)

    assert claim_map(storage) == {"A1": ("hold", "old")}


def test_a_session_can_replace_its_own_reservation(storage: Any) -> None:
    seed(storage)
    hold_seats(storage, ("A1", "A2"))

    with storage.transaction() as tx:
        tx.claim_seats(
            "sh1", [b.hold("A2", "res2"), b.hold("A3", "res2")], now=b.NOW,
            replacing_reservation="res1",
        )  # fmt: skip

    assert claim_map(storage) == {"A2": ("hold", "res2"), "A3": ("hold", "res2")}


def test_selling_live_holds_makes_sales_and_drops_the_reservation(storage: Any) -> None:
    seed(storage)
    hold_seats(storage, ("A1", "A2"))
    booking = b.booking()

    with storage.transaction() as tx:
        reservation = tx.reservation("res1")
        tx.sell_seats(reservation, booking.tickets, now=b.NOW + b.HOLD / 2)
        tx.put_booking(booking)

    claims = {c.seat_id: c for c in storage.claims("sh1")}
    assert {seat: c.kind for seat, c in claims.items()} == {
        "A1": ClaimKind.SOLD,
        "A2": ClaimKind.SOLD,
    }
    assert claims["A1"].ticket_id == "bk1-t0"
    assert claims["A1"].booking_id == "bk1"
    assert claims["A1"].reservation_id is None
    assert claims["A1"].expires_at is None
    assert storage.reservation("res1") is None
    assert storage.sold_counts(["sh1"]) == {"sh1": 2}
    assert storage.seats_taken(["sh1"], b.NOW + 100 * b.HOLD) == {"sh1": 2}


def test_selling_an_expired_hold_fails_and_changes_nothing(storage: Any) -> None:
    seed(storage)
    hold_seats(storage, ("A1", "A2"))
    before = claim_map(storage)

    with storage.transaction() as tx, pytest.raises(HoldExpired):
        tx.sell_seats(tx.reservation("res1"), b.booking().tickets, now=b.NOW + b.HOLD)

    assert claim_map(storage) == before
    assert storage.reservation("res1") == b.reservation()


def test_selling_fails_when_someone_else_took_over_a_dead_hold(storage: Any) -> None:
    seed(storage)
    hold_seats(storage, ("A1", "A2"))
    late = b.NOW + 2 * b.HOLD
    with storage.transaction() as tx:
        tx.claim_seats("sh1", [b.hold("A2", "res2", expires=late + b.HOLD)], now=late)

    with pytest.raises(HoldExpired), storage.transaction() as tx:
        tx.sell_seats(tx.reservation("res1"), b.booking().tickets, now=b.NOW)

    assert claim_map(storage) == {"A1": ("hold", "res1"), "A2": ("hold", "res2")}


def test_released_tickets_free_their_seats(storage: Any) -> None:
    seed(storage)
    hold_seats(storage, ("A1", "A2"))
    booking = b.booking()
    with storage.transaction() as tx:
        tx.sell_seats(tx.reservation("res1"), booking.tickets, now=b.NOW)
        tx.put_booking(booking)

    with storage.transaction() as tx:
        tx.release_tickets("sh1", ["bk1-t0"])

    assert claim_map(storage) == {"A2": ("sold", None)}
    with storage.transaction() as tx:
        tx.claim_seats("sh1", [b.hold("A1", "res2")], now=b.NOW)
    assert claim_map(storage)["A1"] == ("hold", "res2")


def test_releasing_a_reservation_drops_its_holds_only(storage: Any) -> None:
    seed(storage)
    hold_seats(storage, ("A1", "A2"))
    hold_seats(storage, ("B1",), "other", session="sess2")

    with storage.transaction() as tx:
        tx.release_reservation(b.reservation())

    assert storage.reservation("res1") is None
    assert storage.reservation("other") == b.reservation("other", ("B1",), session="sess2")
    assert claim_map(storage) == {"B1": ("hold", "other")}


# -- bookings --------------------------------------------------------------------------------------
def test_bookings_round_trip_with_tickets_payment_and_refunds(storage: Any) -> None:
    seed(storage)
    booking = b.booking(
        statuses=(TicketStatus.CANCELLED, TicketStatus.USED), refunded=True, seats=("A1", "A2")
    )
    with storage.transaction() as tx:
        tx.put_booking(booking)

    assert storage.booking("bk1") == booking
    assert storage.booking("missing") is None
    assert storage.ticket("bk1-t1") == booking.tickets[1]
    assert storage.ticket("missing") is None


def test_sold_counts_leave_out_cancelled_tickets(storage: Any) -> None:
    seed(storage)
    hold_seats(storage, ("A1", "A2"))
    with storage.transaction() as tx:
        tx.sell_seats(tx.reservation("res1"), b.booking().tickets, now=b.NOW)
        tx.put_booking(b.booking())
    assert storage.sold_counts(["sh1", "sh2"]) == {"sh1": 2, "sh2": 0}

    with storage.transaction() as tx:
        tx.put_booking(b.booking(statuses=(TicketStatus.CANCELLED, TicketStatus.USED)))
        tx.release_tickets("sh1", ["bk1-t0"])

    assert storage.sold_counts(["sh1"]) == {"sh1": 1}


def test_putting_a_booking_again_updates_its_tickets(storage: Any) -> None:
    seed(storage)
    with storage.transaction() as tx:
        tx.put_booking(b.booking())
    used = b.booking(statuses=(TicketStatus.USED, TicketStatus.VALID))

    with storage.transaction() as tx:
        tx.put_booking(used)

    assert storage.ticket("bk1-t0").status is TicketStatus.USED
    assert storage.booking("bk1") == used


def test_bookings_by_email_are_newest_first_and_ignore_case(storage: Any) -> None:
    seed(storage)
    with storage.transaction() as tx:
        tx.put_booking(b.booking("bk1", ("A1",), created=b.at(1)))
        tx.put_booking(b.booking("bk3", ("A3",), created=b.at(3), email="ANN@example.com"))
        tx.put_booking(b.booking("bk2", ("A2",), created=b.at(2)))
        tx.put_booking(b.booking("bk4", ("A4",), created=b.at(4), email="bob@example.com"))

    assert [x.id for x in storage.bookings_by_email("Ann@Example.COM")] == ["bk3", "bk2", "bk1"]
    assert storage.bookings_by_email("nobody@example.com") == []


def test_users_are_found_by_email_whatever_its_case(storage: Any) -> None:
    with storage.transaction() as tx:
        tx.put_user(b.user())

    assert storage.user_by_email("ann@EXAMPLE.com") == b.user()
    assert storage.user_by_email("bob@example.com") is None


def test_idempotency_records_are_kept_by_key(storage: Any) -> None:
    with storage.transaction() as tx:
        tx.put_idempotency(b.idempotency())

    assert storage.idempotency("key-bk1") == b.idempotency()
    assert storage.idempotency("other") is None


def test_audit_is_oldest_first_and_limit_keeps_the_latest(storage: Any) -> None:
    with storage.transaction() as tx:
        for n in range(1, 6):
            tx.append_audit(b.audit(n, subject="bk1" if n % 2 else "bk2"))

    assert [e.id for e in storage.audit()] == ["a1", "a2", "a3", "a4", "a5"]
    assert [e.id for e in storage.audit(limit=2)] == ["a4", "a5"]
    assert [e.id for e in storage.audit("bk1")] == ["a1", "a3", "a5"]
    assert [e.id for e in storage.audit("bk1", limit=2)] == ["a3", "a5"]
    assert storage.audit()[0] == b.audit(1)


# -- units of work ---------------------------------------------------------------------------------
def test_an_exception_inside_a_unit_of_work_writes_nothing(storage: Any) -> None:
    seed(storage)

    def fail_after_writing() -> None:
        with storage.transaction() as tx:
            tx.put_movies([b.movie("alien", "Alien")])
            tx.claim_seats("sh1", [b.hold("A1")], now=b.NOW)
            tx.put_booking(b.booking())
            tx.append_audit(b.audit(1))
            raise RuntimeError("the card reader fell over")

    with pytest.raises(RuntimeError):
        fail_after_writing()

    assert storage.movie("alien") is None
    assert storage.claims("sh1") == []
    assert storage.booking("bk1") is None
    assert storage.audit() == []


def test_a_unit_of_work_reads_its_own_writes(storage: Any) -> None:
    seed(storage)
    with storage.transaction() as tx:
        tx.claim_seats("sh1", [b.hold("A1")], now=b.NOW)
        tx.put_reservation(b.reservation(seats=("A1",)))
        assert [c.seat_id for c in tx.claims("sh1")] == ["A1"]
        assert tx.reservation("res1") == b.reservation(seats=("A1",))
        assert tx.seats_taken(["sh1"], b.NOW) == {"sh1": 1}


def test_another_storage_object_sees_what_was_committed(backend: Backend) -> None:
    first, second = backend.open(), backend.open()
    seed(first)
    hold_seats(first, ("A1",))

    assert second.showing("sh1") == b.showing("sh1", starts=1)
    assert claim_map(second) == {"A1": ("hold", "res1")}


# -- dump and load ---------------------------------------------------------------------------------
def fill(storage: Any) -> None:
    """One of everything (and some more)."""
    seed(storage, showings=3)
    hold_seats(storage, ("A1", "A2"))
    hold_seats(storage, ("B1",), "res2", session="sess2")
    with storage.transaction() as tx:
        tx.put_city(b.city("shelbyville", "Shelbyville"))
        tx.sell_seats(tx.reservation("res2"), [b.ticket("bk9-t0", "B1", "bk9")], now=b.NOW)
        tx.put_booking(b.booking("bk9", ("B1",)))
        tx.put_booking(
            b.booking("bk1", ("C1", "C2"), statuses=(TicketStatus.CANCELLED, TicketStatus.USED),
                      refunded=True)
        )  # fmt: skip
        tx.put_user(b.user())
        tx.put_idempotency(b.idempotency())
        for n in range(3):
            tx.append_audit(b.audit(n))
        tx.add_charge(b.charge("key-1"))
        tx.add_charge(b.charge("key-2", status=ChargeStatus.CAPTURED, booking_id="bk9"))
        tx.enqueue_mail(b.mail("bk9.eml"))
        tx.add_provider_charge(b.provider_charge("key-2"))
        tx.add_signing_key(b.signing_key("0000000a", active=False, retired_at=b.NOW))
        tx.add_signing_key(b.signing_key("0000000b"))


def normalized(records: list[tuple[str, dict[str, Any]]]) -> dict[str, list[Any]]:
    """Dumped records per kind, as models (so that ``12.5`` equals ``12.50``), in a set order."""
    from cinema_cli.storage.records import RECORD_TYPES, from_record

    by_kind: dict[str, list[Any]] = {kind: [] for kind in RECORD_KINDS}
    for kind, data in records:
        by_kind[kind].append(from_record(RECORD_TYPES[kind], data))
    for kind, items in by_kind.items():
        if kind != "audit":  # the audit keeps its own order
            items.sort(key=repr)
    return by_kind


def test_dump_yields_kinds_in_order(storage: Any) -> None:
    fill(storage)
    kinds = [kind for kind, _ in storage.dump()]

    assert kinds == sorted(kinds, key=RECORD_KINDS.index)
    assert Counter(kinds) == {
        "city": 2, "theater": 1, "movie": 1, "showing": 3, "reservation": 1, "claim": 3,
        "user": 1, "booking": 2, "idempotency": 1, "audit": 3, "charge": 2,
        "mail": 1,
        "provider_charge": 1,
        "signing_key": 2,
    }  # fmt: skip


@pytest.mark.parametrize("target_name", BACKENDS)  # keeps the postgres mark on that target
def test_dump_and_load_carry_everything_between_backends(
    backend: Backend, target_name: str, make_backend: Callable[[str], Backend]
) -> None:
    source = backend.open()
    fill(source)
    records = list(source.dump())
    target = make_backend(target_name).open()

    counts = target.load(iter(records))

    assert counts == Counter(kind for kind, _ in records)
    assert normalized(list(target.dump())) == normalized(records)
    assert target.booking("bk1") == source.booking("bk1")
    assert target.claims("sh1") == source.claims("sh1")
    assert [e.id for e in target.audit()] == ["a0", "a1", "a2"]


# -- concurrency -----------------------------------------------------------------------------------
def test_sixteen_sessions_racing_for_the_same_seats_leave_exactly_one_winner(
    backend: Backend,
) -> None:
    seed(backend.open())
    racers = 16
    storages = [backend.open() for _ in range(racers)]
    start = threading.Barrier(racers)
    outcomes: list[str] = []
    lock = threading.Lock()

    def race(n: int) -> None:
        storage = storages[n]
        start.wait()
        try:
            with storage.transaction() as tx:
                tx.claim_seats(
                    "sh1",
                    [b.hold(seat, f"res{n}", session=f"s{n}") for seat in ("B3", "B1", "B2")],
                    now=b.NOW,
                )
                tx.put_reservation(b.reservation(f"res{n}", ("B1", "B2", "B3"), session=f"s{n}"))
            outcome = f"won res{n}"
        except SeatUnavailable as error:
            outcome = f"refused {sorted(error.details['seats'])}"
        with lock:
            outcomes.append(outcome)

    threads = [threading.Thread(target=race, args=(n,)) for n in range(racers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)

    winners = [o for o in outcomes if o.startswith("won")]
    assert len(outcomes) == racers
    assert len(winners) == 1
    assert outcomes.count("refused ['B1', 'B2', 'B3']") == racers - 1
    winner = winners[0].removeprefix("won ")
    assert claim_map(backend.open()) == dict.fromkeys(("B1", "B2", "B3"), ("hold", winner))


def test_the_data_version_moves_when_another_connection_commits(backend: Backend) -> None:
    mine, other = backend.open(), backend.open()
    seed(mine, showings=1)
    before = mine.data_version()
    assert mine.data_version() == before  # reading changes nothing
    with other.transaction() as tx:
        tx.put_city(b.city("shelbyville", "Shelbyville"))
    after = mine.data_version()
    if before is None:
        assert after is None  # this backend cannot tell: callers re-read what they need
    else:
        assert after != before


OTHER_PROCESS_COMMIT = """
import sys
from pathlib import Path

from cinema_cli.domain.models import City
from cinema_cli.storage import open_storage

storage = open_storage(sys.argv[1], Path(sys.argv[2]))
with storage.transaction() as tx:
    tx.put_city(City(id="ogdenville", name="Ogdenville", country="US"))
storage.close()
"""


def _commit_in_another_process(backend: Backend, tmp_path: Path) -> None:
    import subprocess
    import sys

    done = subprocess.run(
        [sys.executable, "-c", OTHER_PROCESS_COMMIT, backend.url, str(tmp_path)],
        capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr


def test_the_change_token_moves_after_every_commit_own_or_another(
    backend: Backend, tmp_path: Path
) -> None:
    mine, other = backend.open(), backend.open()
    seed(mine, showings=1)
    first = mine.change_token()
    if first is None:  # this backend cannot tell cheaply: callers must not keep anything
        with other.transaction() as tx:
            tx.put_city(b.city("shelbyville", "Shelbyville"))
        assert mine.change_token() is None
        return
    if backend.name != "postgresql":  # (PostgreSQL's moves with every write of the cluster)
        mine.claims("sh1")
        assert mine.change_token() == first  # reading changes nothing
    with other.transaction() as tx:  # another connection
        tx.put_city(b.city("shelbyville", "Shelbyville"))
    second = mine.change_token()
    assert second != first
    hold_seats(mine, ("A1",))  # this handle's own commit
    third = mine.change_token()
    assert third not in (first, second)
    with mine.transaction() as tx:  # a release (deletes only) through this handle
        tx.release_reservation(b.reservation("res1", ("A1",)))
    fourth = mine.change_token()
    assert fourth not in (first, second, third)
    assert claim_map(mine) == {}
    if backend.name == "fake":
        return  # lives in this process only
    _commit_in_another_process(backend, tmp_path)
    fifth = mine.change_token()
    assert fifth not in (first, second, third, fourth)
    assert "ogdenville" in {city.id for city in mine.cities()}
