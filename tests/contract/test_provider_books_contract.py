"""The test payment provider's books behave the same on every backend (fake, json, sqlite,
postgresql): a charge at most once per idempotency key, a refund at most once per reason,
whichever connection ("host") asks."""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import timedelta
from decimal import Decimal
from typing import Any

import contract_builders as b
import pytest
from contract_backends import BACKENDS, Backend

from cinema_cli.adapters.payment import TestPaymentProvider
from cinema_cli.domain.errors import IdempotencyKeyReused
from cinema_cli.domain.models import Money
from cinema_cli.domain.purchase import parse_card
from cinema_cli.services.ports.payments import BookCharge, BookRefund, book_charge_id

EUROS = Money(Decimal("25.00"), "EUR")
CARD = "4242424242424242"


def book_charge(
    key: str, round_: int = 1, *, minutes: int = 0, fingerprint: str = "fp", closed: bool = False
) -> BookCharge:
    """Round ``round_`` of ``key`` in the provider's books, made ``minutes`` after NOW."""
    made = b.NOW + timedelta(minutes=minutes)
    refunds = (BookRefund("re_1", EUROS, "cancel", made),) if closed else ()
    return BookCharge(
        id=book_charge_id(key, round_),
        idempotency_key=key,
        round=round_,
        reference=f"ch_{key}_{round_}",
        fingerprint=fingerprint,
        brand="visa",
        last4="4242",
        amount=EUROS,
        description="2 seats",
        created_at=made,
        refunds=refunds,
        closed=closed,
    )


def test_a_charge_is_stored_and_found_by_key_and_by_reference(storage: Any) -> None:
    with storage.provider_books() as books:
        stored = books.add_provider_charge(book_charge("k1"))

    assert stored == book_charge("k1")
    assert storage.provider_charges("k1") == [book_charge("k1")]
    assert storage.provider_charge("ch_k1_1") == book_charge("k1")
    assert storage.provider_charges() == [book_charge("k1")]
    assert storage.provider_charge("ch_nobody") is None


def test_adding_a_round_that_exists_keeps_the_first(storage: Any) -> None:
    with storage.provider_books() as books:
        books.add_provider_charge(book_charge("k1", fingerprint="first"))
    with storage.provider_books() as books:
        stored = books.add_provider_charge(book_charge("k1", fingerprint="second"))

    assert stored.fingerprint == "first"
    assert [c.fingerprint for c in storage.provider_charges("k1")] == ["first"]


def test_put_records_refunds_and_closes(storage: Any) -> None:
    with storage.provider_books() as books:
        books.add_provider_charge(book_charge("k1"))
    with storage.provider_books() as books:
        books.put_provider_charge(book_charge("k1", closed=True))

    assert storage.provider_charge("ch_k1_1") == book_charge("k1", closed=True)


def test_rounds_of_a_key_come_in_order_and_all_by_time(storage: Any) -> None:
    with storage.provider_books() as books:
        books.add_provider_charge(book_charge("k2", minutes=1))
        books.add_provider_charge(book_charge("k1", 2, minutes=3))
        books.add_provider_charge(book_charge("k1", 1, minutes=2, closed=True))

    assert [c.round for c in storage.provider_charges("k1")] == [1, 2]
    assert [c.id for c in storage.provider_charges()] == ["k2#1", "k1#1", "k1#2"]
    assert storage.provider_charges("nobody") == []


def test_the_books_join_a_unit_of_work_open_on_the_store(storage: Any) -> None:
    joined = False
    try:
        with storage.transaction() as tx:
            with storage.provider_books() as books:
                joined = books is tx
                books.add_provider_charge(book_charge("k1"))
            raise RuntimeError("the unit of work fails after the refund")
    except RuntimeError:
        pass

    assert joined

    assert storage.provider_charges() == []


def test_the_provider_replays_a_key_and_charges_again_after_a_full_refund(storage: Any) -> None:
    provider = TestPaymentProvider(storage)
    card = parse_card(CARD)
    first = provider.charge(card, EUROS, idempotency_key="k", fingerprint="f", description="x")
    again = provider.charge(card, EUROS, idempotency_key="k", fingerprint="f", description="x")
    with pytest.raises(IdempotencyKeyReused):
        provider.charge(card, EUROS, idempotency_key="k", fingerprint="other", description="x")
    provider.refund(first, EUROS, reason="r")
    fresh = provider.charge(card, EUROS, idempotency_key="k", fingerprint="f", description="x")

    assert (again.reference, again.replayed) == (first.reference, True)
    assert fresh.reference != first.reference
    assert [(c.round, c.closed) for c in storage.provider_charges("k")] == [(1, True), (2, False)]
    assert provider.net_charged() == Decimal("25.00")


def _race(stores: list[Any], act: Callable[[Any], str]) -> list[str]:
    results: list[str] = []
    barrier = threading.Barrier(len(stores))
    lock = threading.Lock()

    def run(store: Any) -> None:
        barrier.wait()
        outcome = act(store)
        with lock:
            results.append(outcome)

    threads = [threading.Thread(target=run, args=(s,)) for s in stores]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    return results


def test_racing_hosts_charge_one_key_once(backend: Backend) -> None:
    """Eight connections charge with one key at once: one charge; every caller gets it."""
    stores = [backend.open() for _ in range(8)]
    card = parse_card(CARD)

    def charge(store: Any) -> str:
        return (
            TestPaymentProvider(store)
            .charge(card, EUROS, idempotency_key="k1", fingerprint="f", description="x")
            .reference
        )

    references = _race(stores, charge)

    [stored] = stores[0].provider_charges()
    assert references == [stored.reference] * len(stores)


def test_racing_hosts_refund_one_reason_once(backend: Backend) -> None:
    """Eight connections refund one charge for one reason at once: one refund; all get it."""
    stores = [backend.open() for _ in range(8)]
    charge = TestPaymentProvider(stores[0]).charge(
        parse_card(CARD), EUROS, idempotency_key="k1", fingerprint="f", description="x"
    )
    half = Money(Decimal("12.50"), "EUR")

    references = _race(stores, lambda s: TestPaymentProvider(s).refund(charge, half, reason="r"))

    [stored] = stores[0].provider_charges()
    assert [r.reference for r in stored.refunds] == [references[0]]
    assert set(references) == {references[0]}
    assert not stored.closed


@pytest.mark.parametrize("target_name", BACKENDS)  # keeps the postgres mark on that target
def test_dump_and_load_carry_the_books_between_backends(
    backend: Backend, target_name: str, make_backend: Callable[[str], Backend]
) -> None:
    source = backend.open()
    with source.provider_books() as books:
        books.add_provider_charge(book_charge("k1", closed=True))
        books.add_provider_charge(book_charge("k1", 2, minutes=1))
    records = [(kind, data) for kind, data in source.dump() if kind == "provider_charge"]
    target = make_backend(target_name).open()

    counts = target.load(iter(records))

    assert counts["provider_charge"] == 2
    assert target.provider_charges() == source.provider_charges()
    assert target.provider_charge("ch_k1_2") == book_charge("k1", 2, minutes=1)


def test_a_version_3_database_gains_the_books_on_upgrade(
    sql_backend: Backend, monkeypatch: pytest.MonkeyPatch
) -> None:
    from cinema_cli.storage.sql import schema as sql_schema

    with monkeypatch.context() as before_the_books:
        before_the_books.setattr(sql_schema, "MIGRATIONS", sql_schema.MIGRATIONS[:3])
        with sql_backend.open().transaction() as tx:
            tx.add_charge(b.charge("k1"))

    assert sql_backend.open().upgrade() == (3, 6)
    storage = sql_backend.open()
    with storage.provider_books() as books:
        books.add_provider_charge(book_charge("k1"))
    assert storage.provider_charges() == [book_charge("k1")]
    assert storage.charges() == [b.charge("k1")]
