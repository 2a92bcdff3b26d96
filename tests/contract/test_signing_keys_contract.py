"""The ticket signing key ring behaves the same on every backend (fake, json, sqlite,
postgresql): one active key whatever the race, ``signed_until`` only grows."""

from __future__ import annotations

import threading
from datetime import timedelta
from typing import Any

import contract_builders as b
from contract_backends import Backend

key = b.signing_key


def test_a_new_key_is_stored_and_read_back(storage: Any) -> None:
    with storage.transaction() as tx:
        stored = tx.add_signing_key(key("0000000a"))

    assert stored == key("0000000a")
    assert storage.signing_keys() == [key("0000000a")]


def test_a_second_active_key_is_refused_and_the_first_returned(storage: Any) -> None:
    with storage.transaction() as tx:
        tx.add_signing_key(key("0000000a"))
    with storage.transaction() as tx:
        stored = tx.add_signing_key(key("0000000b", minutes=1))

    assert stored == key("0000000a")
    assert storage.signing_keys() == [key("0000000a")]


def test_a_key_whose_id_exists_keeps_the_first(storage: Any) -> None:
    with storage.transaction() as tx:
        tx.add_signing_key(key("0000000a", active=False))
    with storage.transaction() as tx:
        stored = tx.add_signing_key(key("0000000a", active=False, minutes=5))

    assert stored.created_at == b.NOW
    assert len(storage.signing_keys()) == 1


def test_rotation_retires_the_active_key_and_adds_one_in_one_unit_of_work(storage: Any) -> None:
    with storage.transaction() as tx:
        tx.add_signing_key(key("0000000a"))
    later = b.NOW + timedelta(minutes=2)
    with storage.transaction() as tx:
        tx.retire_signing_key("0000000a", later)
        tx.add_signing_key(key("0000000b", minutes=2))

    old, new = storage.signing_keys()
    assert (old.key_id, old.active, old.retired_at) == ("0000000a", False, later)
    assert (new.key_id, new.active, new.retired_at) == ("0000000b", True, None)


def test_keys_come_oldest_first_with_every_field(storage: Any) -> None:
    until = b.NOW + timedelta(days=3)
    legacy = key("0000000c", active=False, minutes=-9, history_known=False)
    retired = key("0000000d", active=False, minutes=-5, retired_at=b.NOW, signed_until=until)
    with storage.transaction() as tx:
        tx.add_signing_key(key("0000000a"))
        tx.add_signing_key(retired)
        tx.add_signing_key(legacy)

    assert storage.signing_keys() == [legacy, retired, key("0000000a")]


def test_signed_until_only_grows(storage: Any) -> None:
    with storage.transaction() as tx:
        tx.add_signing_key(key("0000000a"))
        tx.add_signing_key(key("0000000b", active=False, history_known=False))
    first, second = b.NOW + timedelta(days=2), b.NOW + timedelta(days=1)
    with storage.transaction() as tx:
        tx.note_key_signed("0000000a", first)
        tx.note_key_signed("0000000b", first)
    with storage.transaction() as tx:
        tx.note_key_signed("0000000a", second)
        tx.note_key_signed("nobody", second)

    stored = {k.key_id: k.signed_until for k in storage.signing_keys()}
    assert stored == {"0000000a": first, "0000000b": None}


def test_a_failed_unit_of_work_adds_no_key(storage: Any) -> None:
    try:
        with storage.transaction() as tx:
            tx.add_signing_key(key("0000000a"))
            raise RuntimeError("boom")
    except RuntimeError:
        pass

    assert storage.signing_keys() == []


def test_keys_survive_a_dump_and_load(make_backend: Any, backend: Backend) -> None:
    source = backend.open()
    with source.transaction() as tx:
        tx.add_signing_key(key("0000000a", active=False, retired_at=b.NOW, history_known=False))
        tx.add_signing_key(key("0000000b", minutes=1, signed_until=b.NOW + timedelta(days=1)))
    target = make_backend(backend.name).open()

    counts = target.load(source.dump())

    assert counts["signing_key"] == 2
    assert target.signing_keys() == source.signing_keys()


def test_racing_hosts_make_one_active_key(backend: Backend) -> None:
    """Eight connections each add their own first key at once: one wins; all read it back."""
    stores = [backend.open() for _ in range(8)]
    answers: list[str] = []
    barrier = threading.Barrier(len(stores))

    def add(store: Any, n: int) -> None:
        barrier.wait()
        with store.transaction() as tx:
            if not any(k.active for k in tx.signing_keys()):
                answers.append(tx.add_signing_key(key(f"{n:08x}")).key_id)
            else:
                answers.append(next(k.key_id for k in tx.signing_keys() if k.active))

    threads = [threading.Thread(target=add, args=(s, n)) for n, s in enumerate(stores)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    [stored] = stores[0].signing_keys()
    assert answers == [stored.key_id] * len(stores)


def test_resealing_replaces_the_private_half_only_while_it_is_unchanged(storage: Any) -> None:
    retired = key("0000000a", active=False, retired_at=b.NOW, private_key="plain:v1:AAAA")
    with storage.transaction() as tx:
        tx.add_signing_key(retired)
        tx.add_signing_key(key("0000000b", minutes=1, private_key="plain:v1:BBBB"))
    with storage.transaction() as tx:
        first = tx.reseal_signing_key("0000000a", "plain:v1:AAAA", "sealed:a")
        stale = tx.reseal_signing_key("0000000b", "plain:v1:not-it", "sealed:b")
        unknown = tx.reseal_signing_key("0000000c", "plain:v1:CCCC", "sealed:c")
    with storage.transaction() as tx:
        again = tx.reseal_signing_key("0000000a", "plain:v1:AAAA", "sealed:a2")

    assert (first, stale, unknown, again) == (True, False, False, False)
    a, b_ = storage.signing_keys()
    assert a == key("0000000a", active=False, retired_at=b.NOW, private_key="sealed:a")
    assert b_.private_key == "plain:v1:BBBB"


def test_a_failed_unit_of_work_reseals_nothing(storage: Any) -> None:
    with storage.transaction() as tx:
        tx.add_signing_key(key("0000000a", private_key="plain:v1:AAAA"))
        tx.add_signing_key(key("0000000b", active=False, private_key="plain:v1:BBBB"))
    try:
        with storage.transaction() as tx:
            assert tx.reseal_signing_key("0000000a", "plain:v1:AAAA", "sealed:a")
            assert tx.reseal_signing_key("0000000b", "plain:v1:BBBB", "sealed:b")
            raise RuntimeError("boom")
    except RuntimeError:
        pass

    assert [k.private_key for k in storage.signing_keys()] == ["plain:v1:AAAA", "plain:v1:BBBB"]


def test_racing_hosts_reseal_a_key_once(backend: Backend) -> None:
    """Eight connections reseal the same plain key at once, each with its own text: exactly
    one replaces it, and the store holds that one's text."""
    stores = [backend.open() for _ in range(8)]
    with stores[0].transaction() as tx:
        tx.add_signing_key(key("0000000a", private_key="plain:v1:AAAA"))
    won: list[str] = []
    barrier = threading.Barrier(len(stores))

    def reseal(store: Any, n: int) -> None:
        barrier.wait()
        with store.transaction() as tx:
            if tx.reseal_signing_key("0000000a", "plain:v1:AAAA", f"sealed:{n}"):
                won.append(f"sealed:{n}")

    threads = [threading.Thread(target=reseal, args=(s, n)) for n, s in enumerate(stores)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    [stored] = stores[0].signing_keys()
    assert len(won) == 1
    assert stored.private_key == won[0]
