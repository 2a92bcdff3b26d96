"""Concurrency soak: 16 processes reserve, buy, cancel, check in and import at once.

Every worker (``workload.py soak``) runs random operations on two showings shared by
all of them, for a bounded time, acknowledging each committed one. Afterwards the
store must load, every seat must have at most one live claim, sold claims and live
tickets must match one to one (counts add up), and everything acknowledged must be
there: holds (or the bookings they became), bookings, cancellations, check-ins and
imported showings.
"""

from __future__ import annotations

import subprocess
import sys
from collections import Counter
from collections.abc import Callable
from pathlib import Path

import pytest
from torture_kit import WORKLOAD, Tally, audit_store, parse_acks
from workload import booking_id_for, stock

WORKERS = 16
SECONDS = 6.0


@pytest.mark.slow
def test_sixteen_processes_at_once_keep_every_invariant(
    tmp_path: Path, backend_url: Callable[[Path], str], tally: Tally
) -> None:
    data = tmp_path / "data"
    url = backend_url(data)
    stock(url, data).close()
    workers = [
        subprocess.Popen(
            [sys.executable, str(WORKLOAD), "soak", url, str(data), str(w), str(SECONDS)],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for w in range(WORKERS)
    ]
    acks: list[list[str]] = []
    for worker in workers:
        out, err = worker.communicate(timeout=SECONDS + 240)
        assert worker.returncode == 0, err
        assert out.rstrip().endswith("done")
        acks += parse_acks(out.splitlines())

    audit = audit_store(url, data)
    tickets = audit.tickets()
    cancelled = {words[2] for words in acks if words[0] == "cancel"}
    for words in acks:
        match words:
            case ["hold", reservation_id, _, _]:
                assert (
                    reservation_id in audit.reservations
                    or booking_id_for(reservation_id) in audit.bookings
                ), f"acknowledged hold {reservation_id} lost"
            case ["sell", _, booking_id]:
                assert booking_id in audit.bookings, f"acknowledged booking {booking_id} lost"
            case ["cancel", _, ticket_id]:
                assert tickets[ticket_id]["status"] == "cancelled"
            case ["checkin", _, ticket_id]:
                assert ticket_id not in cancelled
                assert tickets[ticket_id]["status"] == "used"
            case ["import", name]:
                assert {f"imp-{name}-{k}" for k in range(10)} <= audit.showings
    kinds = Counter(words[0] for words in acks)
    assert kinds["hold"] > 0, kinds  # the soak did real work
    assert kinds["sell"] > 0, kinds
    tally.add(
        f"concurrency soak ({url.split(':')[0]})",
        processes=WORKERS,
        operations_tried=sum(kinds.values()),
        holds=kinds["hold"],
        seats_refused=kinds["miss"],
        purchases=kinds["sell"],
        cancellations=kinds["cancel"],
        check_ins=kinds["checkin"],
        imports=kinds["import"],
        lost=0,
    )
