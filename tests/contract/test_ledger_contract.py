"""The payment ledger behaves the same on every backend (fake, json, sqlite, postgresql)."""

from __future__ import annotations

import threading
from typing import Any

import contract_builders as b
from contract_backends import Backend

from cinema_cli.domain.ledger import ChargeStatus


def test_a_new_charge_is_stored_and_read_back(storage: Any) -> None:
    with storage.transaction() as tx:
        stored = tx.add_charge(b.charge("k1"))

    assert stored == b.charge("k1")
    assert storage.charges("k1") == [b.charge("k1")]
    assert storage.charges() == [b.charge("k1")]


def test_adding_an_attempt_that_exists_keeps_the_first(storage: Any) -> None:
    with storage.transaction() as tx:
        tx.add_charge(b.charge("k1", fingerprint="first"))
    with storage.transaction() as tx:
        stored = tx.add_charge(b.charge("k1", fingerprint="second"))

    assert stored.fingerprint == "first"
    assert [c.fingerprint for c in storage.charges("k1")] == ["first"]


def test_put_charge_records_the_outcome(storage: Any) -> None:
    with storage.transaction() as tx:
        tx.add_charge(b.charge("k1"))
    captured = b.charge("k1", status=ChargeStatus.CAPTURED, booking_id="bk1")
    with storage.transaction() as tx:
        tx.put_charge(captured)

    assert storage.charges("k1") == [captured]


def test_charges_of_a_key_come_in_attempt_order_and_all_by_time(storage: Any) -> None:
    with storage.transaction() as tx:
        tx.add_charge(b.charge("k2", minutes=1))
        tx.add_charge(b.charge("k1", 2, minutes=3))
        tx.add_charge(b.charge("k1", 1, status=ChargeStatus.REFUNDED, minutes=2))

    assert [c.attempt for c in storage.charges("k1")] == [1, 2]
    assert [c.id for c in storage.charges()] == ["k2#1", "k1#1", "k1#2"]
    assert storage.charges("nobody") == []


def test_a_failed_unit_of_work_records_no_charge(storage: Any) -> None:
    try:
        with storage.transaction() as tx:
            tx.add_charge(b.charge("k1"))
            raise RuntimeError("boom")
    except RuntimeError:
        pass

    assert storage.charges() == []


def test_racing_hosts_open_one_attempt_per_key(backend: Backend) -> None:
    """Eight connections add attempt 1 of one key at once: one record wins; all read it."""
    stores = [backend.open() for _ in range(8)]
    winners: list[str] = []
    barrier = threading.Barrier(len(stores))

    def add(store: Any, n: int) -> None:
        barrier.wait()
        with store.transaction() as tx:
            winners.append(tx.add_charge(b.charge("k1", fingerprint=f"fp{n}")).fingerprint)

    threads = [threading.Thread(target=add, args=(s, n)) for n, s in enumerate(stores)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    [stored] = stores[0].charges("k1")
    assert winners == [stored.fingerprint] * len(stores)
