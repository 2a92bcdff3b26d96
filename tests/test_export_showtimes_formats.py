"""`export showtimes --format jsonld|ics`: showtimes for search engines and calendars."""

from __future__ import annotations

import io
import json
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import icalendar
import pytest
from pyld import jsonld

from builders import NOW, city, movie, showing, theater
from cinema_cli.domain.models import ClaimKind, Room, SeatClaim, ShowingStatus
from cinema_cli.services.imports import export_showtimes
from cinema_cli.services.imports.showtimes_jsonld import spoken_and_subtitles
from fakes import FakeStorage

CATALOG = Path(__file__).parent / "data" / "imports-theaters.json"
EXAMPLE = Path(__file__).parent.parent / "fixtures" / "showtimes-example.csv"
BERLIN = ZoneInfo("Europe/Berlin")
SCHEMA = "https://schema.org/"
# Europe/Berlin leaves winter time on Sunday 2027-03-28 at 02:00.
BEFORE_DST = datetime(2027, 3, 27, 20, 0, tzinfo=BERLIN)
AFTER_DST = datetime(2027, 3, 28, 20, 0, tzinfo=BERLIN)
LOCAL_CONTEXT = {"@context": {"@vocab": SCHEMA, "schema": SCHEMA}}
"""A stand-in for the schema.org context document, so the tests never go online."""


def offline_loader(url: str, options: dict[str, Any] | None = None) -> dict[str, Any]:
    assert url.rstrip("/") in ("https://schema.org", "http://schema.org"), url
    return {"contextUrl": None, "documentUrl": url, "document": LOCAL_CONTEXT}


@pytest.fixture
def storage() -> FakeStorage:
    store = FakeStorage()
    home = replace(
        theater(),
        rooms=[Room(id="saal-1", name="Saal 1", layout=["A ss", "B wc"])],
    )
    with store.transaction() as tx:
        tx.put_city(city())
        tx.put_theater(home)
        tx.put_movies([replace(movie(), language="de", year=1927)])
        tx.put_showings(
            [
                replace(
                    showing("s-winter", starts_at=BEFORE_DST.astimezone(UTC)), language="en+de"
                ),
                replace(
                    showing("s-summer", starts_at=AFTER_DST.astimezone(UTC)),
                    format="35mm",
                    language="de",
                ),
                replace(
                    showing("s-gone", starts_at=NOW + timedelta(days=3)),
                    status=ShowingStatus.CANCELLED,
                ),
            ]
        )
    return store


def export(storage: FakeStorage, fmt: str) -> bytes:
    out = io.BytesIO()
    export_showtimes(storage, out, fmt, now=NOW)  # type: ignore[arg-type]
    return out.getvalue()


def expanded(storage: FakeStorage) -> list[dict[str, Any]]:
    document = json.loads(export(storage, "jsonld"))
    result: list[dict[str, Any]] = jsonld.expand(document, {"documentLoader": offline_loader})
    return result


def by_id(nodes: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    return {node[f"{SCHEMA}identifier"][0]["@value"]: node for node in nodes}


def test_jsonld_expands_to_screening_events_of_movies_in_movie_theaters(
    storage: FakeStorage,
) -> None:
    events = by_id(expanded(storage))
    assert set(events) == {"s-winter", "s-summer", "s-gone"}
    winter = events["s-winter"]
    assert winter["@type"] == [f"{SCHEMA}ScreeningEvent"]
    (work,) = winter[f"{SCHEMA}workPresented"]
    assert work["@type"] == [f"{SCHEMA}Movie"]
    assert work[f"{SCHEMA}name"] == [{"@value": "Metropolis"}]
    (place,) = winter[f"{SCHEMA}location"]
    assert place["@type"] == [f"{SCHEMA}MovieTheater"]
    (address,) = place[f"{SCHEMA}address"]
    assert address["@type"] == [f"{SCHEMA}PostalAddress"]
    assert address[f"{SCHEMA}streetAddress"] == [{"@value": "Rosa-Luxemburg-Str. 30"}]
    offers = winter[f"{SCHEMA}offers"]
    assert {offer["@type"][0] for offer in offers} == {f"{SCHEMA}Offer"}
    assert {offer[f"{SCHEMA}category"][0]["@value"] for offer in offers} == {
        "standard",
        "wheelchair",
        "companion",
    }


def test_jsonld_says_when_in_which_language_and_at_what_price(storage: FakeStorage) -> None:
    events = {e["identifier"]: e for e in json.loads(export(storage, "jsonld"))["@graph"]}
    winter, summer, gone = events["s-winter"], events["s-summer"], events["s-gone"]
    assert winter["startDate"] == "2027-03-27T20:00:00+01:00"
    assert summer["startDate"] == "2027-03-28T20:00:00+02:00"
    assert (winter["inLanguage"], winter["subtitleLanguage"]) == ("en", "de")
    assert summer["inLanguage"] == "de"
    assert "subtitleLanguage" not in summer
    assert (winter["videoFormat"], summer["videoFormat"]) == ("2D", "35mm")
    standard = next(o for o in winter["offers"] if o["category"] == "standard")
    assert standard["price"] == "12.50"
    assert standard["priceCurrency"] == "EUR"
    assert standard["availability"] == f"{SCHEMA}InStock"
    assert gone["eventStatus"] == f"{SCHEMA}EventCancelled"
    assert winter["eventStatus"] == f"{SCHEMA}EventScheduled"
    assert {o["availability"] for o in gone["offers"]} == {f"{SCHEMA}Discontinued"}


def test_a_sold_out_showing_offers_nothing_in_stock(storage: FakeStorage) -> None:
    with storage.transaction() as tx:
        tx.claim_seats(
            "s-winter",
            [SeatClaim("s-winter", seat, ClaimKind.SOLD) for seat in ("A1", "A2", "B1", "B2")],
            now=NOW,
        )
    events = {e["identifier"]: e for e in json.loads(export(storage, "jsonld"))["@graph"]}
    assert {o["availability"] for o in events["s-winter"]["offers"]} == {f"{SCHEMA}SoldOut"}


@pytest.mark.parametrize(
    ("language", "expected"),
    [("de", ("de", None)), ("en+de", ("en", "de")), ("OV", ("OV", None)), ("", (None, None))],
)
def test_spoken_and_subtitle_languages(
    language: str, expected: tuple[str | None, str | None]
) -> None:
    assert spoken_and_subtitles(language) == expected


def calendar(storage: FakeStorage) -> icalendar.Calendar:
    return icalendar.Calendar.from_ical(export(storage, "ics"))


def test_the_ics_feed_has_one_event_per_showing_with_stable_uids(storage: FakeStorage) -> None:
    first = {str(e["UID"]): e for e in calendar(storage).walk("VEVENT")}
    again = {str(e["UID"]): e for e in calendar(storage).walk("VEVENT")}
    assert (
        set(first)
        == set(again)
        == {
            "showing-s-winter@cinema-cli.invalid",
            "showing-s-summer@cinema-cli.invalid",
            "showing-s-gone@cinema-cli.invalid",
        }
    )
    assert first["showing-s-gone@cinema-cli.invalid"]["STATUS"] == "CANCELLED"
    assert first["showing-s-winter@cinema-cli.invalid"]["STATUS"] == "CONFIRMED"
    assert str(first["showing-s-winter@cinema-cli.invalid"]["SUMMARY"]) == "Metropolis"


def test_ics_times_round_trip_through_the_change_to_summer_time(storage: FakeStorage) -> None:
    parsed = calendar(storage)
    (zone,) = parsed.walk("VTIMEZONE")
    assert str(zone["TZID"]) == "Europe/Berlin"
    events = {str(e["UID"]): e for e in parsed.walk("VEVENT")}
    winter = events["showing-s-winter@cinema-cli.invalid"]
    summer = events["showing-s-summer@cinema-cli.invalid"]
    assert winter["DTSTART"].params["TZID"] == "Europe/Berlin"
    assert winter.decoded("DTSTART") == BEFORE_DST
    assert summer.decoded("DTSTART") == AFTER_DST
    assert winter.decoded("DTSTART").utcoffset() == timedelta(hours=1)
    assert summer.decoded("DTSTART").utcoffset() == timedelta(hours=2)
    assert summer.decoded("DTEND") - summer.decoded("DTSTART") == timedelta(minutes=153)


def test_ics_lines_are_folded_and_crlf(storage: FakeStorage) -> None:
    raw = export(storage, "ics")
    assert raw.startswith(b"BEGIN:VCALENDAR\r\n")
    assert all(len(line) <= 75 for line in raw.split(b"\r\n"))


def test_the_cli_tells_the_format_from_the_output_extension(tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from cinema_cli.cli.app import app

    data = tmp_path / "data"
    runner = CliRunner()
    env = {"CINEMA_DATA_DIR": str(data), "CINEMA_NOW": "2026-05-11T10:00:00Z"}
    for kind, feed in (("theaters", CATALOG), ("showtimes", EXAMPLE)):
        loaded = runner.invoke(app, ["import", kind, str(feed)], env=env)
        assert loaded.exit_code == 0, loaded.output
    for name, check in (("feed.ics", b"BEGIN:VCALENDAR"), ("feed.jsonld", b'"@graph"')):
        result = runner.invoke(app, ["export", "showtimes", "-o", str(tmp_path / name)], env=env)
        assert result.exit_code == 0, result.output
        assert check in (tmp_path / name).read_bytes()
    bad = runner.invoke(app, ["export", "showtimes", "--format", "xml"], env=env)
    assert bad.exit_code == 2
    assert "jsonld" in bad.output
