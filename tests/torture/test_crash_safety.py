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
from datetime import timedelta
from pathlib import Path
from random import Random

import orjson
import pytest
from torture_kit import WORKLOAD, Tally, audit_store, parse_acks
from workload import (
    IMPORT_BATCH,
    MOVIE,
    NOW,
    ROOM,
    SEATS,
    SHOWINGS,
    THEATER,
    booking_id_for,
    crash_plan,
    stock,
)

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
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        assert writer.stdout is not None
        assert writer.stdout.readline().strip() == "ready", writer.stderr
        # Kill after a random number of acknowledgements plus a few milliseconds, so that
        # kills land around commits whatever the backend's speed.
        seen: list[str] = []
        for _ in range(rng.randint(0, 8)):
            line = writer.stdout.readline()
            if not line:
                break
            seen.append(line.strip())
        time.sleep(rng.uniform(0.0, 0.004))
        writer.send_signal(signal.SIGKILL)
        out, err = writer.communicate(timeout=60)
        assert writer.returncode in (0, -signal.SIGKILL), err
        kills += writer.returncode == -signal.SIGKILL
        lines = seen + out.splitlines()
        acked |= {(words[0], int(words[1])) for words in parse_acks(lines)}

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
        f"crash safety ({url.split(':')[0]})",
        operations=TOTAL,
        writers_started=cycles,
        kills_survived=kills,
        acknowledged=len(acked),
        lost=0,
    )


CLI_RESERVATIONS = 40
CLI_IMPORTS = 5
IMPORT_ROWS = 150


def _feed(path: Path, n: int) -> set[str]:
    """A showtimes feed of IMPORT_ROWS new showings (five a day, no overlaps)."""
    lines = ["showing_id,theater_id,room_id,movie_id,starts_at,price"]
    ids = set()
    for k in range(IMPORT_ROWS):
        day = (NOW + timedelta(days=10 + 40 * n + k // 5)).date()
        showing_id = f"cli-imp-{n}-{k}"
        ids.add(showing_id)
        lines.append(f"{showing_id},{THEATER},{ROOM},{MOVIE},{day}T{10 + 2 * (k % 5):02d}:30,9.50")
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return ids


@pytest.mark.slow
def test_cinema_processes_killed_mid_command_lose_no_acknowledged_operation(
    tmp_path: Path, tally: Tally
) -> None:
    """The same promise through whole ``cinema reserve`` and ``cinema import showtimes``
    processes, killed at random moments of their run (start-up, parsing, lock wait,
    commit, output)."""
    data = tmp_path / "data"
    url = f"json://{data}"
    stock(url, data).close()
    env = {
        **os.environ,
        "CINEMA_DATA_DIR": str(data),
        "CINEMA_NOW": NOW.isoformat(),
        "NO_COLOR": "1",
        "CINEMA_LOCK_TIMEOUT": "30",
    }
    rng = Random(7)
    acked: dict[str, list[str]] = {}
    feeds: dict[int, tuple[set[str], bool]] = {}
    kills = 0
    for n in range(CLI_RESERVATIONS + CLI_IMPORTS):
        if n % 9 == 8:
            number = len(feeds)
            feed = tmp_path / f"feed-{number}.csv"
            showings = _feed(feed, number)
            argv = ["import", "showtimes", str(feed), "--quiet"]
            delay = rng.uniform(0.2, 1.2)
        else:
            showing_id = SHOWINGS[n % len(SHOWINGS)]
            base = 200 + 2 * (n // len(SHOWINGS))
            seats = SEATS[base : base + 2]
            argv = ["reserve", showing_id, *seats, "--session", f"cli-{n}", "--json"]
            delay = rng.uniform(0.0, 0.8)
        process = subprocess.Popen(
            [sys.executable, "-m", "cinema_cli", *argv],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env=env,
        )
        time.sleep(delay)
        process.send_signal(signal.SIGKILL)
        out, err = process.communicate(timeout=120)
        assert process.returncode in (0, -signal.SIGKILL), err
        kills += process.returncode == -signal.SIGKILL
        if argv[0] == "import":
            feeds[number] = (showings, process.returncode == 0)
        elif process.returncode == 0:
            reservation = orjson.loads(out)
            assert reservation["seats"] == seats
            acked[reservation["reservation_id"]] = seats
        audit = audit_store(url, data)
        for reservation_id, held in acked.items():
            stored = audit.reservations.get(reservation_id)
            assert stored is not None, f"acknowledged reservation {reservation_id} lost"
            assert stored["seats"] == held
        for number, (showings, done) in feeds.items():
            present = len(showings & audit.showings)
            assert present in (0, IMPORT_ROWS), f"import {number} half applied ({present})"
            assert present == IMPORT_ROWS or not done, f"acknowledged import {number} lost"
    tally.add(
        "crash safety (json, whole cinema processes)",
        cli_processes=CLI_RESERVATIONS + CLI_IMPORTS,
        cli_kills_survived=kills,
        cli_acknowledged=len(acked) + sum(done for _, done in feeds.values()),
        lost=0,
    )
