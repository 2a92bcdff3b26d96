"""The browsing commands and `cinema demo` end to end: Typer's runner and real processes."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from builders import DEMO_NOW, utc_text
from cinema_cli.cli.app import app

NOW = utc_text(DEMO_NOW)
SHOWING = "berlin-mitte-saal1-20260512-1515"
ANSI = re.compile(r"\x1b\[")

SHOWING_KEYS = {
    "id",
    "movie_id",
    "movie_title",
    "starts_at",
    "ends_at",
    "timezone",
    "business_day",
    "theater",
    "room",
    "format",
    "language",
    "status",
    "seats_total",
    "seats_available",
    "prices",
    "currency",
}
MOVIE_KEYS = {"id", "title", "runtime_minutes", "rating", "genres", "language"}


@pytest.fixture(scope="module")
def data_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("cinema-data")
    result = CliRunner().invoke(
        app, ["--data-dir", str(folder), "demo"], env={"CINEMA_NOW": NOW, "NO_COLOR": "1"}
    )
    assert result.exit_code == 0, result.output
    return folder


def cinema(data_dir: Path, *args: str, now: str = NOW) -> Any:
    return CliRunner().invoke(
        app, ["--data-dir", str(data_dir), *args], env={"CINEMA_NOW": now, "NO_COLOR": "1"}
    )


def as_json(result: Any) -> Any:
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


# --- JSON shapes ---------------------------------------------------------------------------------
def test_theaters_json_shape(data_dir: Path) -> None:
    document = as_json(cinema(data_dir, "theaters", "--json"))
    assert document.keys() == {"theaters"}
    assert len(document["theaters"]) == 5
    for theater in document["theaters"]:
        assert theater.keys() == {
            "id",
            "name",
            "city",
            "city_name",
            "address",
            "timezone",
            "business_day_cutoff",
            "currency",
            "rooms",
        }
        assert theater["business_day_cutoff"] == "03:00"
        for room in theater["rooms"]:
            assert room.keys() == {"id", "name", "seats_total"}
            assert isinstance(room["seats_total"], int)
    berlin = as_json(cinema(data_dir, "theaters", "--city", "BERLIN", "--json"))
    assert {t["id"] for t in berlin["theaters"]} == {"berlin-mitte", "berlin-kreuzberg"}


def check_showing(showing: dict[str, Any]) -> None:
    assert showing.keys() == SHOWING_KEYS
    assert showing["theater"].keys() == {"id", "name", "city"}
    assert showing["room"].keys() == {"id", "name"}
    assert datetime.fromisoformat(showing["starts_at"]).utcoffset() is not None
    assert re.fullmatch(r".*T\d\d:\d\d:\d\d[+-]\d\d:\d\d", showing["starts_at"])
    assert all(re.fullmatch(r"\d+\.\d\d", amount) for amount in showing["prices"].values())
    assert 0 <= showing["seats_available"] <= showing["seats_total"]


def test_search_json_shape(data_dir: Path) -> None:
    document = as_json(
        cinema(data_dir, "search", "metro", "--city", "berlin", "--date", "2026-05-12", "--json")
    )
    assert document.keys() == {"movies", "count", "truncated"}
    assert [m["id"] for m in document["movies"]] == ["metropolis"]
    metropolis = document["movies"][0]
    assert metropolis.keys() == MOVIE_KEYS | {"showings"}
    assert document["count"] == len(metropolis["showings"]) == 3
    for showing in metropolis["showings"]:
        check_showing(showing)
        assert showing["starts_at"].startswith("2026-05-12T")
        assert showing["starts_at"].endswith("+02:00")
        assert showing["theater"]["city"] == "berlin"
        assert showing["currency"] == "EUR"
    first = metropolis["showings"][0]
    assert first["id"] == SHOWING
    assert first["prices"] == {
        "standard": "11.50",
        "premium": "14.50",
        "wheelchair": "11.50",
        "companion": "0.00",
    }


def test_search_local_times_per_zone(data_dir: Path) -> None:
    document = as_json(
        cinema(
            data_dir,
            "search",
            "--date",
            "2026-05-12",
            "--after",
            "19:00",
            "--before",
            "19:31",
            "--json",
            "--limit",
            "0",
        )
    )
    starts = {s["id"]: s["starts_at"] for m in document["movies"] for s in m["showings"]}
    # 19:00-19:30 local in Berlin, New York, Tokyo and São Paulo alike.
    assert starts["berlin-kreuzberg-kino-20260512-1930"] == "2026-05-12T19:30:00+02:00"
    assert starts["nyc-bleecker-t1-20260512-1900"] == "2026-05-12T19:00:00-04:00"
    assert starts["tokyo-shibuya-s2-20260512-1930"] == "2026-05-12T19:30:00+09:00"
    assert all("T19:" in value for value in starts.values())


def test_showtimes_json_shape(data_dir: Path) -> None:
    document = as_json(cinema(data_dir, "showtimes", "Metropolis", "--city", "new york", "--json"))
    assert document.keys() == {"movie", "showings", "count", "truncated"}
    assert document["movie"].keys() == MOVIE_KEYS
    assert document["movie"]["id"] == "metropolis"
    assert document["showings"]
    for showing in document["showings"]:
        check_showing(showing)
        assert showing["theater"]["id"] == "nyc-bleecker"
        assert showing["starts_at"].endswith("-04:00")


def test_seats_json_shape(data_dir: Path) -> None:
    document = as_json(cinema(data_dir, "seats", SHOWING, "--json"))
    assert document.keys() == {"showing", "seats", "available", "layout"}
    check_showing(document["showing"])
    seats = document["seats"]
    for seat in seats:
        # Companion seats also name the wheelchair space they belong to.
        extra = {"companion_of"} if seat["category"] == "companion" else set()
        assert seat.keys() == {
            "id",
            "row",
            "number",
            "category",
            "status",
            "price",
            "mine",
            "row_index",
            "column",
            *extra,
        }
        assert seat["id"] == f"{seat['row']}{seat['number']}"
        assert seat["status"] in {"available", "held", "sold", "blocked"}
    by_id = {seat["id"]: seat for seat in seats}
    assert by_id["F7"]["category"] == "premium"
    assert by_id["F7"]["price"] == "14.50"
    assert by_id["K1"]["category"] == "wheelchair"
    assert by_id["K2"]["companion_of"] == "K1"
    assert by_id["K19"]["companion_of"] == "K20"
    assert by_id["J10"]["status"] == "blocked"
    assert document["available"] == sum(s["status"] == "available" for s in seats)
    assert document["available"] == document["showing"]["seats_available"]


# --- errors ----------------------------------------------------------------------------------
def test_an_invalid_date_is_a_usage_error_naming_the_option(data_dir: Path) -> None:
    result = cinema(data_dir, "search", "--date", "2026-13-45")
    assert result.exit_code == 2
    assert "--date" in result.stderr
    assert "2026-13-45" in result.stderr


def test_an_invalid_time_is_a_usage_error_naming_the_option(data_dir: Path) -> None:
    result = cinema(data_dir, "search", "--after", "25:99")
    assert result.exit_code == 2
    assert "--after" in result.stderr


def test_an_unknown_showing_exits_3_with_a_json_error(data_dir: Path) -> None:
    result = cinema(data_dir, "seats", "nope", "--json")
    assert result.exit_code == 3
    assert result.stdout == ""
    error = json.loads(result.stderr)["error"]
    assert error["code"] == "showing_not_found"


def test_an_unknown_city_exits_3_and_hints_the_known_ones(data_dir: Path) -> None:
    result = cinema(data_dir, "search", "--city", "Paris")
    assert result.exit_code == 3
    assert "São Paulo (sao-paulo)" in result.stderr
    assert "Traceback" not in result.stderr


def test_an_ambiguous_title_exits_3_listing_the_candidates(data_dir: Path) -> None:
    result = cinema(data_dir, "showtimes", "the", "--json")
    assert result.exit_code == 3
    error = json.loads(result.stderr)["error"]
    assert error["code"] == "ambiguous_movie"
    assert {"the-general", "the-kid"} <= {c["id"] for c in error["details"]["candidates"]}


# --- human output ------------------------------------------------------------------------------
def test_theaters_human_output(data_dir: Path) -> None:
    result = cinema(data_dir, "theaters")
    assert result.exit_code == 0
    assert "Lichtspielhaus Mitte" in result.stdout
    assert "America/New_York" in result.stdout
    assert not ANSI.search(result.stdout)


def test_search_human_output(data_dir: Path) -> None:
    result = cinema(data_dir, "search", "metro", "--city", "berlin", "--date", "2026-05-12")
    assert result.exit_code == 0
    assert "Metropolis" in result.stdout
    assert "Tue 12 May 15:15 CEST" in result.stdout
    assert SHOWING in result.stdout
    assert not ANSI.search(result.stdout)


def test_seat_map_human_output_draws_the_room(data_dir: Path) -> None:
    result = cinema(data_dir, "seats", SHOWING)
    assert result.exit_code == 0
    lines = result.stdout.splitlines()
    screen = next(i for i, line in enumerate(lines) if "SCREEN" in line)
    row_a = next(i for i, line in enumerate(lines) if line.startswith("A "))
    row_k = next(i for i, line in enumerate(lines) if line.startswith("K "))
    assert screen < row_a < row_k
    assert "××" in lines[row_a + 8]  # J10 is blocked (rows: A B C D E F G H J K)
    assert "blocked" in result.stdout
    assert "held" in result.stdout
    assert "sold" in result.stdout
    assert "premium" in result.stdout
    assert "F7-14 G7-14 H7-14" in result.stdout
    assert not ANSI.search(result.stdout)


def test_demo_human_output_says_what_to_try(data_dir: Path) -> None:
    result = cinema(data_dir, "demo")
    assert result.exit_code == 0
    assert "nothing changed" in result.stdout
    assert f"cinema --data-dir {data_dir} search metro --city" in result.stdout
    assert "E-tickets:" in result.stdout
    assert ".pdf" in result.stdout


# --- real processes ----------------------------------------------------------------------------
def run(data_dir: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {
        **os.environ,
        "CINEMA_DATA_DIR": str(data_dir),
        "CINEMA_NOW": NOW,
        "NO_COLOR": "1",
    }
    return subprocess.run(
        [sys.executable, "-m", "cinema_cli", *args],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
        check=False,
    )


def test_a_new_user_runs_the_demo_and_browses(tmp_path: Path) -> None:
    first = run(tmp_path, "demo", "--json")
    assert first.returncode == 0, first.stderr
    summary = json.loads(first.stdout)
    assert summary["changed"] is True
    assert summary["totals"] == {"cities": 4, "theaters": 5, "movies": 11, "showings": 504}
    assert summary["booked"] is True
    booking = summary["booking"]
    assert booking["showing"]["id"] == summary["example_showing"]
    assert len(booking["seats"]) == 2
    assert Path(booking["eticket_pdf"]).is_file()
    assert f"cinema booking {booking['booking_id']}" in summary["next"]

    files = {p: (p.stat().st_mtime_ns, p.read_bytes()) for p in tmp_path.rglob("*") if p.is_file()}
    again = json.loads(run(tmp_path, "demo", "--json").stdout)
    assert again["changed"] is False
    assert again["booked"] is False
    assert again["booking"]["booking_id"] == booking["booking_id"]
    assert {
        p: (p.stat().st_mtime_ns, p.read_bytes()) for p in tmp_path.rglob("*") if p.is_file()
    } == files, "a second demo run rewrote a file"

    search = run(tmp_path, "search", "metro", "--city", "berlin", "--date", "2026-05-12", "--json")
    assert search.returncode == 0, search.stderr
    movies = json.loads(search.stdout)["movies"]  # exactly one document on stdout
    assert movies[0]["showings"][0]["id"] == SHOWING

    showtimes = run(tmp_path, "showtimes", "metropolis", "--json")
    assert json.loads(showtimes.stdout)["movie"]["id"] == "metropolis"

    seats = run(tmp_path, "seats", summary["example_showing"])
    assert seats.returncode == 0
    assert "SCREEN" in seats.stdout
    assert "██" in seats.stdout  # the demo booking's seats are sold
    assert not ANSI.search(seats.stdout)

    missing = run(tmp_path, "seats", "no-such-showing")
    assert missing.returncode == 3
    assert missing.stderr.startswith("Error: no showing")

    bad_date = run(tmp_path, "search", "--date", "2026-13-45")
    assert bad_date.returncode == 2
    assert "--date" in bad_date.stderr
    assert "Traceback" not in bad_date.stderr


def test_demo_days_follow_the_clock(tmp_path: Path) -> None:
    later = datetime(2026, 5, 12, 10, 0, tzinfo=UTC).isoformat()
    assert run(tmp_path, "demo").returncode == 0
    result = CliRunner().invoke(
        app, ["--data-dir", str(tmp_path), "demo", "--json"], env={"CINEMA_NOW": later}
    )
    summary = json.loads(result.stdout)
    assert summary["written"]["showings"] == 36  # one new day, 36 shows a day
    assert summary["booked"] is False  # the demo booking is made once
    assert summary["days"]["last"] == "2026-05-25"


# --- the seat map grid -------------------------------------------------------------------------
class FakeTerminal:
    """A text stream that says it is a terminal."""

    def __init__(self) -> None:
        import io

        self.buffer = io.StringIO()

    def write(self, text: str) -> int:
        return self.buffer.write(text)

    def flush(self) -> None:
        pass

    def isatty(self) -> bool:
        return True


def sample_map(session: str | None = None) -> Any:
    from builders import NOW as BUILDER_NOW
    from builders import city, movie, showing, theater
    from cinema_cli.domain.models import ClaimKind, SeatClaim
    from cinema_cli.services import seats
    from fakes import FakeStorage

    storage = FakeStorage()
    with storage.transaction() as tx:
        tx.put_city(city())
        tx.put_theater(theater())  # A ssss.ssss / B ssss.ssss / C wc.pppp.x
        tx.put_movies([movie()])
        tx.put_showings([showing("s1")])
        tx._state.claims[("s1", "A2")] = SeatClaim(
            showing_id="s1", seat_id="A2", kind=ClaimKind.SOLD, booking_id="b", ticket_id="t"
        )
        tx._state.claims[("s1", "B5")] = SeatClaim(
            showing_id="s1",
            seat_id="B5",
            kind=ClaimKind.HOLD,
            session_id="me",
            reservation_id="r",
            expires_at=BUILDER_NOW.replace(year=2030),
        )
    return seats.seat_map(storage, lambda: BUILDER_NOW, "s1", session_id=session)


def test_the_grid_keeps_layout_columns_aligned() -> None:
    from cinema_cli.cli.render_catalog import seat_grid

    lines = [line.plain for line in seat_grid(sample_map())]
    assert "SCREEN" in lines[0]
    rows = lines[2:]
    assert [row.split()[0] for row in rows] == ["A", "B", "C"]
    # Each layout column is 3 characters wide after the 3-character row label margin.
    a, b, c = rows
    assert a[3:5] == " 1"  # A2 sold, aisle at column 4
    assert a[6:8] == "██"
    assert a[15:17] == "  "
    assert b[3 + 5 * 3 : 3 + 5 * 3 + 2] == "▒▒"  # B5 held (by someone, no session given)
    assert c[3:5] == " 1"  # C1 w, C2 c, gap
    assert c[6:8] == " 2"
    assert c[9:11] == "  "
    assert c[3 + 8 * 3 : 3 + 8 * 3 + 2] == "××"  # C7 blocked sits in column 8
    assert len({len(row) for row in rows}) == 1


def test_the_grid_marks_the_sessions_hold() -> None:
    from cinema_cli.cli.render_catalog import seat_grid

    lines = [line.plain for line in seat_grid(sample_map(session="me"))]
    assert lines[3][3 + 5 * 3 : 3 + 5 * 3 + 2] == "◆◆"


def test_colour_only_on_a_terminal_and_never_with_no_color(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from cinema_cli.cli.output import console
    from cinema_cli.cli.render_catalog import render_seat_map

    terminal = FakeTerminal()
    monkeypatch.setattr(sys, "stdout", terminal)
    monkeypatch.delenv("NO_COLOR", raising=False)
    render_seat_map(console(), sample_map(session="me"))
    coloured = terminal.buffer.getvalue()
    assert ANSI.search(coloured)
    assert "your hold" in coloured
    assert "premium" in coloured

    terminal = FakeTerminal()
    monkeypatch.setattr(sys, "stdout", terminal)
    monkeypatch.setenv("NO_COLOR", "1")
    render_seat_map(console(), sample_map(session="me"))
    assert not ANSI.search(terminal.buffer.getvalue())
    assert "your hold: B5" in terminal.buffer.getvalue()


def test_a_narrow_terminal_puts_the_showing_id_on_its_own_line() -> None:
    from cinema_cli.cli.render_catalog import _showings_table

    showing_info = sample_map().showing
    wide = _showings_table([showing_info], 200).plain.splitlines()
    assert len(wide) == 2
    assert wide[1].endswith(" s1")
    narrow = _showings_table([showing_info], 60).plain.splitlines()
    assert narrow[2] == "  s1"
    assert all(len(line) <= 60 for line in narrow)
