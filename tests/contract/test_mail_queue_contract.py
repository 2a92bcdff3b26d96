"""The mail queue behaves the same on every backend (fake, json, sqlite, postgresql)."""

from __future__ import annotations

import threading
from datetime import timedelta
from typing import Any

import contract_builders as b
from contract_backends import Backend

from builders import NOW
from cinema_cli.domain.mail_queue import MailStatus

LEASE = timedelta(minutes=5)


def test_an_enqueued_mail_is_stored_with_its_bytes(storage: Any) -> None:
    with storage.transaction() as tx:
        stored = tx.enqueue_mail(b.mail("b1.eml"))

    assert stored == b.mail("b1.eml")
    assert storage.mail_message("b1.eml") == b.mail("b1.eml")
    assert storage.mail_messages() == [b.mail("b1.eml")]
    assert storage.mail_message("nobody.eml") is None


def test_enqueueing_a_mail_twice_keeps_the_first(storage: Any) -> None:
    with storage.transaction() as tx:
        tx.enqueue_mail(b.mail("b1.eml", subject="first"))
    with storage.transaction() as tx:
        stored = tx.enqueue_mail(b.mail("b1.eml", subject="second"))

    assert stored.subject == "first"
    assert [m.subject for m in storage.mail_messages()] == ["first"]


def test_claims_take_the_oldest_first_and_lease_it(storage: Any) -> None:
    with storage.transaction() as tx:
        tx.enqueue_mail(b.mail("b2.eml", minutes=2))
        tx.enqueue_mail(b.mail("b1.eml", minutes=1))

    with storage.transaction() as tx:
        first = tx.claim_mail(NOW, NOW + LEASE)
    with storage.transaction() as tx:
        second = tx.claim_mail(NOW, NOW + LEASE)
    with storage.transaction() as tx:
        third = tx.claim_mail(NOW, NOW + LEASE)

    assert first is not None
    assert second is not None
    assert (first.id, second.id, third) == ("b1.eml", "b2.eml", None)
    assert first.status is MailStatus.SENDING
    assert first.attempts == 1
    assert first.lease_until == NOW + LEASE
    assert first.last_attempt_at == NOW
    assert storage.mail_message("b1.eml") == first


def test_a_lapsed_lease_lets_another_sender_claim_it(storage: Any) -> None:
    with storage.transaction() as tx:
        tx.enqueue_mail(b.mail("b1.eml"))
        tx.claim_mail(NOW, NOW + LEASE)

    with storage.transaction() as tx:
        early = tx.claim_mail(NOW + LEASE - timedelta(seconds=1), NOW + 2 * LEASE)
    with storage.transaction() as tx:
        late = tx.claim_mail(NOW + LEASE, NOW + 2 * LEASE)

    assert early is None
    assert late is not None
    assert late.attempts == 2
    assert late.lease_until == NOW + 2 * LEASE


def test_sent_mail_is_never_claimed_and_failed_mail_is(storage: Any) -> None:
    with storage.transaction() as tx:
        tx.enqueue_mail(b.mail("b1.eml"))
        tx.enqueue_mail(b.mail("b2.eml", minutes=1))
        one = tx.claim_mail(NOW, NOW + LEASE)
        two = tx.claim_mail(NOW, NOW + LEASE)
        assert one is not None
        assert two is not None
        tx.put_mail(one.sent(NOW))
        tx.put_mail(two.failed(NOW, "SMTP server down"))

    stored = storage.mail_message("b2.eml")
    assert (stored.status, stored.last_error, stored.lease_until) == (
        MailStatus.FAILED,
        "SMTP server down",
        None,
    )
    assert storage.mail_message("b1.eml").sent_at == NOW
    with storage.transaction() as tx:
        again = tx.claim_mail(NOW, NOW + LEASE)
    assert again is not None
    assert (again.id, again.attempts) == ("b2.eml", 2)


def test_claims_by_id_and_skipping_ids(storage: Any) -> None:
    with storage.transaction() as tx:
        tx.enqueue_mail(b.mail("b1.eml"))
        tx.enqueue_mail(b.mail("b2.eml", minutes=1))
        tx.enqueue_mail(b.mail("b3.eml", minutes=2))

    with storage.transaction() as tx:
        by_id = tx.claim_mail(NOW, NOW + LEASE, mail_id="b2.eml")
        skipping = tx.claim_mail(NOW, NOW + LEASE, skip=["b1.eml"])
        taken = tx.claim_mail(NOW, NOW + LEASE, mail_id="b2.eml")

    assert by_id is not None
    assert skipping is not None
    assert (by_id.id, skipping.id, taken) == ("b2.eml", "b3.eml", None)


def test_a_failed_unit_of_work_claims_nothing(storage: Any) -> None:
    with storage.transaction() as tx:
        tx.enqueue_mail(b.mail("b1.eml"))
    try:
        with storage.transaction() as tx:
            tx.claim_mail(NOW, NOW + LEASE)
            raise RuntimeError("boom")
    except RuntimeError:
        pass

    assert storage.mail_message("b1.eml").status is MailStatus.QUEUED


def test_mail_survives_dump_and_load(make_backend: Any, backend: Backend) -> None:
    source = backend.open()
    with source.transaction() as tx:
        tx.enqueue_mail(b.mail("b1.eml"))
        tx.claim_mail(NOW, NOW + LEASE)
    target = make_backend(backend.name).open()
    counts = target.load(source.dump())

    assert counts["mail"] == 1
    assert target.mail_messages() == source.mail_messages()


def test_racing_senders_claim_each_mail_once(backend: Backend) -> None:
    """Six connections claim until the queue is empty: every mail is claimed exactly once."""
    first = backend.open()
    with first.transaction() as tx:
        for n in range(30):
            tx.enqueue_mail(b.mail(f"b{n:02d}.eml", minutes=n))
    stores = [backend.open() for _ in range(6)]
    claimed: list[str] = []
    barrier = threading.Barrier(len(stores))

    def drain(store: Any) -> None:
        barrier.wait()
        while True:
            with store.transaction() as tx:
                got = tx.claim_mail(NOW, NOW + LEASE)
            if got is None:
                return
            claimed.append(got.id)

    threads = [threading.Thread(target=drain, args=(s,)) for s in stores]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert sorted(claimed) == [f"b{n:02d}.eml" for n in range(30)]
