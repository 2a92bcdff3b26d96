"""Every time a person reads names its zone, to the minute: no raw ISO 8601, no microseconds.

The human output of a whole day at the box office (hold, buy, look up, check in twice,
cancel, refused scans, the log, an import refused for an overlap) is scanned for times.
"""

from __future__ import annotations

import re
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from builders import NOW
from cinema_cli.cli.app import app
from ticket_support import DOORS_OPEN, SHOW_STARTS, stocked_data_dir

runner = CliRunner()
RAW_ISO = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}")
MICROSECONDS = re.compile(r"\d{2}:\d{2}:\d{2}\.\d+")
CLOCK = re.compile(r"(?<![\d:])(\d{1,2}:\d{2})(?::\d{2})?(?![\d:])(?P<after>.{0,9})")
ZONE = re.compile(r" (?:[A-Z]{2,5}\b|UTC[+-]\d{1,2}(?::\d{2})?)")


@pytest.fixture
def data(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    return stocked_data_dir(tmp_path, monkeypatch)


def run(*args: str, now: Any = None, stdin: str | None = None) -> str:
    env = {"CINEMA_NOW": now.isoformat()} if now is not None else {}
    result = runner.invoke(app, list(args), env=env, input=stdin)
    return result.stdout + result.stderr


def unnamed_times(text: str) -> list[str]:
    """Times of day in ``text`` that no zone follows, raw ISO instants and microseconds."""
    found = RAW_ISO.findall(text) + MICROSECONDS.findall(text)
    for match in CLOCK.finditer(text):
        if not ZONE.match(match.group("after")):
            found.append(match.group(1))
    return found


def test_a_day_at_the_box_office_shows_every_time_with_its_zone(data: Path, tmp_path: Path) -> None:
    import json

    held = json.loads(run("reserve", "s1", "B3", "B4", "--json"))
    outputs = [run("reserve", "s1", "C5")]
    bought = run(
        "buy",
        held["reservation_id"],
        "--session",
        held["session_id"],
        "--name",
        "Ada",
        "--email",
        "ada@example.org",
        "--card",
        "4242424242424242",
    )
    outputs.append(bought)
    booking_id = re.findall(r"Booking (b-\w+)", bought)[0]
    codes = re.findall(r"  B\d: (\S+)", run("booking", booking_id))
    outputs += [
        run("booking", booking_id),
        run("bookings", "--email", "ada@example.org"),
        run("checkin", codes[0]),  # too early
        run("checkin", codes[0], now=DOORS_OPEN),
        run("checkin", codes[0], now=DOORS_OPEN),  # again
        run("cancel", booking_id, "--tickets", "B4", now=NOW + timedelta(minutes=5)),
        run("checkin", codes[1], now=DOORS_OPEN),  # cancelled
        run("seats", "s1", now=SHOW_STARTS + timedelta(minutes=5)),
        run("log"),
    ]
    expired = json.loads(run("reserve", "s1", "A1", "--json"))
    outputs.append(
        run(
            "buy",
            expired["reservation_id"],
            "--session",
            expired["session_id"],
            "--name",
            "Ada",
            "--email",
            "ada@example.org",
            "--card",
            "4242424242424242",
            now=NOW + timedelta(hours=1),
        )
    )
    feed = tmp_path / "overlap.csv"
    feed.write_text(
        "showing_id,theater_id,room_id,movie_id,starts_at,price\n"
        "o1,babylon,saal-1,metropolis,2026-11-30 19:00,9.50\n"
        "o2,babylon,saal-1,metropolis,2026-11-30 19:30,9.50\n"
    )
    outputs.append(run("import", "showtimes", str(feed)))
    assert "overlaps" in outputs[-1]
    text = "\n".join(outputs)
    assert "CET" in text
    assert unnamed_times(text) == []


def test_the_scanner_finds_what_it_should() -> None:
    assert unnamed_times("from 2026-03-10 19:00, room busy until 20:45 with") == ["19:00", "20:45"]
    assert unnamed_times("cancelled at 2026-12-02T05:47:07.763795Z") != []
    assert unnamed_times("Tue 24 Nov 2026 19:00 CET and Thu 03 Dec 12:30 UTC-3") == []
