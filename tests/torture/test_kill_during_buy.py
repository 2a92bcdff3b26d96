"""A charge always ends in a sale or a refund: ``cinema buy`` killed at random points.

Real ``cinema buy`` processes run on JSON, SQLite and PostgreSQL, ten at a time. Each is
killed with SIGKILL: a third at an exact step (``CINEMA_TEST_CRASH_AT``: right after the
charge's outcome is stored, or right after the booking's unit of work), the rest at a random
moment. Half of the killed purchases are retried, some while the hold lives (the sale must
complete with the same charge), some after it expired (the charge must be refunded, exit 4).
Then ``payments reconcile`` runs, as cron would, and the books must balance: every charge the
provider took is exactly one booking or one full refund, never both, never neither.
"""

from __future__ import annotations

import getpass
import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from datetime import timedelta
from decimal import Decimal
from pathlib import Path
from random import Random
from typing import Any

import pytest
from torture_kit import Tally
from workload import MOVIE, NOW, PRICE, SEATS, SHOWINGS, stock

from cinema_cli.domain.models import ClaimKind, Money, Reservation, SeatClaim

RUNS = 50
WAVE = 10
HOLD = timedelta(minutes=10)
CRASH_POINTS = ("charged", "sold")
PG = "host=127.0.0.1 port=5432 dbname=test"


def _postgres_url() -> Iterator[str]:
    import psycopg2

    def execute(dsn: str, sql: str) -> None:
        conn = psycopg2.connect(dsn)
        try:
            conn.autocommit = True
            conn.cursor().execute(sql)
        finally:
            conn.close()

    problems = []
    for user in dict.fromkeys((getpass.getuser(), "postgres")):
        schema = f"cinema_kill_{os.getpid()}_{int(time.time() * 1000) % 10**8}"
        try:
            execute(f"{PG} user={user} connect_timeout=3", f"CREATE SCHEMA {schema}")
        except psycopg2.Error as error:
            problems.append(f"as {user}: {' '.join(str(error).split())}")
            continue
        try:
            yield f"postgresql://{user}@127.0.0.1:5432/test?options=-csearch_path%3D{schema}"
        finally:
            execute(f"{PG} user={user}", f"DROP SCHEMA {schema} CASCADE")
        return
    reason = f"no PostgreSQL server at 127.0.0.1:5432/test ({'; '.join(problems)})"
    if os.environ.get("CI") == "true":
        pytest.fail(f"CI needs PostgreSQL: {reason}", pytrace=False)
    pytest.skip(reason)


@pytest.fixture(params=["json", "sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[tuple[str, str, Path]]:
    data = tmp_path / "data"
    data.mkdir()
    name: str = request.param
    if name == "json":
        yield name, f"json://{data}", data
    elif name == "sqlite":
        yield name, f"sqlite:///{data / 'cinema.db'}", data
    else:
        yield from ((name, url, data) for url in _postgres_url())


def _hold(tx: Any, n: int) -> Reservation:
    showing_id, seat = SHOWINGS[n % len(SHOWINGS)], SEATS[n // len(SHOWINGS)]
    reservation = Reservation(
        id=f"r-kill-{n:03d}",
        session_id=f"s-kill-{n:03d}",
        showing_id=showing_id,
        movie_id=MOVIE,
        seats=[seat],
        created_at=NOW,
        expires_at=NOW + HOLD,
        total=Money(amount=PRICE, currency="EUR"),
    )
    claim = SeatClaim(
        showing_id=showing_id,
        seat_id=seat,
        kind=ClaimKind.HOLD,
        reservation_id=reservation.id,
        session_id=reservation.session_id,
        expires_at=reservation.expires_at,
    )
    tx.claim_seats(showing_id, [claim], now=NOW)
    tx.put_reservation(reservation)
    return reservation


def _cinema(url: str, data: Path, *args: str) -> list[str]:
    return [sys.executable, "-m", "cinema_cli", "--storage", url, "--data-dir", str(data), *args]


def _env(now: Any, crash: str | None = None) -> dict[str, str]:
    env = {**os.environ, "CINEMA_NOW": now.isoformat(), "CINEMA_LOCK_TIMEOUT": "60"}
    env.pop("CINEMA_TEST_CRASH_AT", None)
    if crash is not None:
        env["CINEMA_TEST_CRASH_AT"] = crash
    return env


def _buy_args(reservation: Reservation) -> list[str]:
    return [
        "buy", reservation.id, "--session", reservation.session_id, "--name", "Kill Test",
        "--email", "kill@example.com", "--card", "4242424242424242", "--json",
    ]  # fmt: skip


def _kill_wave(
    url: str, data: Path, wave: list[Reservation], rng: Random, figures: dict[str, int]
) -> list[Reservation]:
    """Start one ``buy`` per reservation, kill each; the ones that did not finish."""
    procs = []
    for reservation in wave:
        crash = rng.choice(CRASH_POINTS) if rng.random() < 1 / 3 else None
        proc = subprocess.Popen(
            _cinema(url, data, *_buy_args(reservation)),
            env=_env(NOW, crash),
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        procs.append((reservation, proc, crash, time.monotonic() + rng.uniform(0.1, 1.5)))
    unfinished = []
    for reservation, proc, crash, kill_at in procs:
        if crash is None:
            time.sleep(max(0.0, kill_at - time.monotonic()))
            if proc.poll() is None:
                proc.send_signal(signal.SIGKILL)
        code = proc.wait(timeout=120)
        if code == 0:
            figures["finished_before_the_kill"] += 1
            continue
        assert code == -signal.SIGKILL, f"{reservation.id}: exit {code}"
        figures["killed_at_a_step" if crash else "killed_at_random"] += 1
        unfinished.append(reservation)
    return unfinished


def _retry(url: str, data: Path, reservation: Reservation, *, live: bool) -> dict[str, Any]:
    now = NOW if live else NOW + HOLD + timedelta(minutes=1)
    done = subprocess.run(
        _cinema(url, data, *_buy_args(reservation)),
        env=_env(now),
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    if live or done.returncode == 0:
        # A purchase killed after its booking committed is replayed, whatever the time.
        assert done.returncode == 0, done.stderr
        assert live or json.loads(done.stdout)["replayed"]
        return {}
    assert done.returncode == 4, done.stderr
    error: dict[str, Any] = json.loads(done.stderr)["error"]
    return error


def _books(url: str, data: Path) -> tuple[dict[str, Any], dict[str, str], list[Any]]:
    """The provider's charges by reference, the bookings' payment references, our ledger."""
    from cinema_cli.adapters.payment import TestPaymentProvider
    from cinema_cli.storage import open_storage

    storage = open_storage(url, data, lock_timeout=60)
    try:
        ledger = TestPaymentProvider(storage).ledger()
        taken = {r["reference"]: r for r in [*ledger["charges"].values(), *ledger["closed"]]}
        bookings = {d["payment"]["reference"]: d["id"] for k, d in storage.dump() if k == "booking"}
        return taken, bookings, storage.charges()
    finally:
        storage.close()


@pytest.mark.slow
def test_every_charge_ends_as_one_booking_or_one_refund(
    store: tuple[str, str, Path], tally: Tally
) -> None:
    name, url, data = store
    rng = Random(20261202)
    storage = stock(url, data)
    with storage.transaction() as tx:
        reservations = [_hold(tx, n) for n in range(RUNS)]
    storage.close()
    figures: dict[str, int] = dict.fromkeys(
        ("finished_before_the_kill", "killed_at_a_step", "killed_at_random"), 0
    )
    unfinished: list[Reservation] = []
    for start in range(0, RUNS, WAVE):
        unfinished += _kill_wave(url, data, reservations[start : start + WAVE], rng, figures)
    retried_live = retried_late = refunded_on_retry = 0
    for reservation in unfinished:
        if rng.random() < 0.5:
            continue
        if rng.random() < 0.5:
            _retry(url, data, reservation, live=True)
            retried_live += 1
        else:
            error = _retry(url, data, reservation, live=False)
            retried_late += 1
            refunded_on_retry += "refunded" in error.get("details", {})

    reconciled = subprocess.run(
        _cinema(url, data, "payments", "reconcile", "--json"),
        env=_env(NOW + timedelta(hours=1)),
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert reconciled.returncode == 0, reconciled.stderr
    report = json.loads(reconciled.stdout)

    taken, bookings, ledger = _books(url, data)
    both = neither = 0
    for reference, charge in taken.items():
        refunded = sum((Decimal(r["amount"]) for r in charge["refunds"]), Decimal(0))
        sold = reference in bookings
        assert refunded in (Decimal(0), Decimal(charge["amount"])), f"partial refund {reference}"
        both += sold and refunded > 0
        neither += not sold and refunded == 0
    open_without_booking = [
        c.id for c in ledger if str(c.status) in ("pending", "captured") and c.booking_id is None
    ]
    tally.add(
        f"kill during buy [{name}]",
        runs=RUNS,
        **figures,
        retried_while_held=retried_live,
        retried_after_expiry=retried_late,
        refunded_on_retry=refunded_on_retry,
        refunded_by_reconcile=len(report["refunded"]),
        closed_by_reconcile=len(report["closed"]),
        charges_taken=len(taken),
        bookings=len(bookings),
        charged_and_refunded_and_sold=both,
        charged_neither_sold_nor_refunded=neither,
    )
    assert (both, neither, open_without_booking) == (0, 0, [])
    assert len(bookings) == sum(1 for r in taken if r in bookings)
