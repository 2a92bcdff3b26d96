"""A purchase retried on another host is charged once, even when its first host died."""

from __future__ import annotations

import time

import pytest
from chain_kit import HALL, Chain, Figures
from chain_steps import buy, buy_args, claims_match_tickets, double_sales, reserve, sell
from fabric import CARD, run_all

pytestmark = [pytest.mark.multihost, pytest.mark.postgres]

KILL_AFTER = (0.2, 0.5, 0.8, 1.1, 1.4, 1.7)
"""Seconds after which host A loses power mid-buy, one purchase each (bounded by count)."""


def captured_charges(chain: Chain, key: str) -> int:
    count: int = chain.db.value(
        "SELECT count(*) FROM charges WHERE idempotency_key = %s AND status = 'captured'", key
    )
    return count


def test_buy_retried_on_another_host_with_the_same_key_is_charged_once(
    chain: Chain, figures: Figures
) -> None:
    held = reserve(chain.a, HALL).ok().json()

    first = buy(chain.a, held, key="order-1").ok().json()
    again = buy(chain.b, held, key="order-1").ok().json()

    assert again["booking_id"] == first["booking_id"]
    assert again["replayed"] is True
    assert first["replayed"] is False
    assert chain.db.value("SELECT count(*) FROM bookings") == 1
    assert captured_charges(chain, "order-1") == 1, "the ledger is not in the database"
    figures.add(idempotent_retries=1)


def test_a_host_killed_mid_buy_leaves_nothing_half_written_and_the_retry_completes(
    chain: Chain, figures: Figures
) -> None:
    bookings: dict[str, str] = {}
    for round_, delay in enumerate(KILL_AFTER):
        key = f"crash-{round_}"
        held = reserve(chain.a, HALL).ok().json()
        dying = chain.a.start(*buy_args(held, key), stdin=CARD)
        time.sleep(delay)
        dying.kill()
        # Nothing half-written: the hold is whole, or the booking is whole.
        claims = chain.db.rows(
            "SELECT kind FROM seat_claims WHERE showing_id = %s AND seat_id = ANY(%s)",
            HALL,
            held["seats"],
        )
        assert sorted(kind for (kind,) in claims) in (["hold", "hold"], ["sold", "sold"])
        claims_match_tickets(chain.db)

        retried = buy(chain.b, held, key=key).ok().json()
        bookings[key] = retried["booking_id"]

    settled = chain.c.run("payments", "reconcile", "--older-than", "0", "--json").ok().json()

    assert chain.db.value("SELECT count(*) FROM bookings") == len(KILL_AFTER)
    assert double_sales(chain.db) == []
    for key, booking_id in bookings.items():
        assert captured_charges(chain, key) == 1, f"{key}: charged twice or not at all"
        assert (
            chain.db.value(
                "SELECT count(*) FROM charges WHERE idempotency_key = %s AND status = 'captured'"
                " AND booking_id = %s",
                key,
                booking_id,
            )
            == 1
        )
    orphans = chain.db.rows(
        "SELECT id FROM charges WHERE status = 'captured'"
        " AND (booking_id IS NULL OR booking_id NOT IN (SELECT id FROM bookings))"
    )
    assert orphans == [], f"charges without booking or refund after reconcile: {settled}"
    figures.add(kills_mid_buy=len(KILL_AFTER), charges_without_booking=len(orphans))


def test_a_booking_sold_on_a_is_cancelled_and_refunded_once_when_b_and_c_both_try(
    chain: Chain, figures: Figures
) -> None:
    booking = sell(chain.a, HALL, count=2)
    open_cancellation = {"CINEMA_CANCEL_MINUTES": "0"}  # the showing starts within the hour

    both = run_all(
        [
            host.start("cancel", booking["booking_id"], "--json", env=open_cancellation)
            for host in (chain.b, chain.c)
        ]
    )

    for done in both:
        assert done.returncode == 0, f"host {done.host}: {done.stderr}"
    cancelled = [done.json()["cancelled"] for done in both]
    assert sorted(len(seats) for seats in cancelled) == [0, 2], cancelled
    assert chain.db.rows(
        "SELECT status, refunded_amount = total_amount FROM bookings WHERE id = %s",
        booking["booking_id"],
    ) == [("cancelled", True)]
    assert (
        chain.db.value(
            "SELECT count(*) FROM tickets WHERE booking_id = %s AND status = 'cancelled'",
            booking["booking_id"],
        )
        == 2
    )
    assert chain.db.rows(
        "SELECT status FROM charges WHERE booking_id = %s", booking["booking_id"]
    ) == [("refunded",)]
    assert (
        chain.db.value(
            "SELECT count(*) FROM seat_claims WHERE showing_id = %s AND seat_id = ANY(%s)",
            HALL,
            booking["seats"],
        )
        == 0
    )
    figures.add(cancellations_across_hosts=len(both))
