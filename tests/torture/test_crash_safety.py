"""Crash safety: a writer killed with SIGKILL at random moments loses nothing it acknowledged.

The writer (``workload.py crash``) performs 200 operations in order — reservations,
purchases and 50-showing imports — and acknowledges each after its transaction
returned. The test kills it at a random moment, checks the store, restarts it where
the acknowledgements stopped, and repeats until all 200 are done. After every kill:
the data loads, every acknowledged operation is there, an import is all there or not
at all, and no seat is claimed or sold twice.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from random import Random

import orjson
import pytest
from torture_kit import WORKLOAD, Tally, audit_store, parse_acks
from workload import IMPORT_BATCH, NOW, SEATS, SHOWINGS, booking_id_for, crash_plan, stock

TOTAL = 200
TIME_LIMIT = 150.0


def _fully_done(n: int, acked: set[tuple[str, int]]) -> bool:
    kind = crash_plan(n)[0]
    if kind == "import":
        return ("import", n) in acked
    return ("hold", n) in acked and (kind != "sell" or ("sell", n) in acked)


@pytest.mark.slow
def test_a_writer_killed_at_random_moments_loses_no_acknowledged_operation(
    tmp_path: Path, backend_url: Callable[[Path], str], tally: Tally
) -> None:
    data = tmp_path / "data"
    url = backend_url(data)
    stock(url, data).close()
    rng = Random(20300106)
    acked: set[tuple[str, int]] = set()
    start, kills, cycles = 0, 0, 0
    deadline = time.monotonic() + TIME_LIMIT
    while start < TOTAL:
        assert time.monotonic() < deadline, f"only {start} of {TOTAL} operations in time"
        cycles += 1
        writer = subprocess.Popen(
            [sys.executable, str(WORKLOAD), "crash", url, str(data), str(start), str(TOTAL)],
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        )
        assert writer.stdout is not None
        assert writer.stdout.readline().strip() == "ready", writer.stderr
        time.sleep(rng.uniform(0.0, 0.2))
        writer.send_signal(signal.SIGKILL)
        out, err = writer.communicate(timeout=60)
        assert writer.returncode in (0, -signal.SIGKILL), err
        kills += writer.returncode == -signal.SIGKILL
        acked |= {(words[0], int(words[1])) for words in parse_acks(out.splitlines())}

        audit = audit_store(url, data)
        for kind, n in acked:
            if kind == "import":
                batch = {f"imp-op{n}-{k}" for k in range(IMPORT_BATCH)}
                assert batch <= audit.showings, f"acknowledged import {n} lost showings"
            elif kind == "hold":
                assert f"op{n}" in audit.reservations or booking_id_for(f"op{n}") in (
                    audit.bookings
                ), f"acknowledged reservation op{n} lost"
            else:
                booking = audit.bookings.get(booking_id_for(f"op{n}"))
                assert booking is not None, f"acknowledged purchase op{n} lost"
                assert [t["status"] for t in booking["tickets"]] == ["valid", "valid"]
        # An import in flight when the writer died: all of it or none of it.
        for n in range(TOTAL):
            if crash_plan(n)[0] == "import":
                present = sum(f"imp-op{n}-{k}" in audit.showings for k in range(IMPORT_BATCH))
                assert present in (0, IMPORT_BATCH), f"import op{n} half applied ({present})"
        while start < TOTAL and _fully_done(start, acked):
            start += 1

    final = audit_store(url, data)
    assert len(final.bookings) == sum(crash_plan(n)[0] == "sell" for n in range(TOTAL))
    tally.add(
        "crash safety",
        operations=TOTAL,
        writers_started=cycles,
        kills_survived=kills,
        acknowledged=len(acked),
        lost=0,
    )


CLI_RESERVATIONS = 40


@pytest.mark.slow
def test_cinema_processes_killed_mid_command_lose_no_acknowledged_reservation(
    tmp_path: Path, tally: Tally
) -> None:
    """The same promise through whole ``cinema reserve`` processes, killed at random
    moments of their run (start-up, lock wait, commit, output)."""
    data = tmp_path / "data"
    url = f"json://{data}"
    stock(url, data).close()
    env = {**os.environ, "CINEMA_DATA_DIR": str(data), "CINEMA_NOW": NOW.isoformat(),
           "NO_COLOR": "1", "CINEMA_LOCK_TIMEOUT": "30"}
    rng = Random(7)
    acked: dict[str, list[str]] = {}
    kills = 0
    for n in range(CLI_RESERVATIONS):
        showing_id = SHOWINGS[n % len(SHOWINGS)]
        base = 200 + 2 * (n // len(SHOWINGS))
        seats = SEATS[base : base + 2]
        process = subprocess.Popen(
            [sys.executable, "-m", "cinema_cli", "reserve", showing_id, *seats,
             "--session", f"cli-{n}", "--json"],
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env,
        )
        time.sleep(rng.uniform(0.0, 0.8))
        process.send_signal(signal.SIGKILL)
        out, err = process.communicate(timeout=60)
        assert process.returncode in (0, -signal.SIGKILL), err
        if process.returncode == 0:
            reservation = orjson.loads(out)
            assert reservation["seats"] == seats
            acked[reservation["reservation_id"]] = seats
        else:
            kills += 1
        audit = audit_store(url, data)
        for reservation_id, held in acked.items():
            stored = audit.reservations.get(reservation_id)
            assert stored is not None, f"acknowledged reservation {reservation_id} lost"
            assert stored["seats"] == held
    tally.add("crash safety", cli_processes=CLI_RESERVATIONS, cli_kills_survived=kills,
              cli_acknowledged=len(acked), lost=0)
