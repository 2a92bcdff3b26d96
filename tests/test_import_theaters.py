"""Importing theater feeds: cities, theaters with rooms and seat layouts, movies."""

from __future__ import annotations

import io
import re
from typing import Any

import orjson
import pytest

from cinema_cli.domain.errors import InvalidFeed, SeatsInUse
from cinema_cli.services.imports import ImportReport, import_theaters
from imports_catalog import NOW, catalog_storage, details, put, sell, showing
from test_import_showtimes import CountingStorage

THEATER: dict[str, Any] = {
    "id": "berlin-1",
    "name": "Kino Eins",
    "city_id": "berlin",
    "address": "Hauptstr. 1",
    "timezone": "Europe/Berlin",
    "currency": "EUR",
    "cleaning_minutes": 15,
    "rooms": [
        {"id": "r1", "name": "Saal 1", "layout": ["A ss.ss", "B sspss", "C wc.ss"]},
        {"id": "r2", "name": "Saal 2", "layout": ["A ssss", "B pppp"]},
    ],
}
DOCUMENT: dict[str, Any] = {
    "cities": [{"id": "berlin", "name": "Berlin", "country": "DE"}],
    "theaters": [THEATER],
    "movies": [
        {
            "id": "m-dune",
            "title": "Dune",
            "runtime_minutes": 150,
            "rating": "PG-13",
            "genres": ["Sci-Fi"],
        },
        {"id": "m-short", "title": "Short", "runtime_minutes": 60},
    ],
}


def run(storage: Any, document: Any, fmt: str = "json", **options: Any) -> ImportReport:
    data = document if isinstance(document, bytes) else orjson.dumps(document)
    return import_theaters(storage, lambda: NOW, io.BytesIO(data), fmt, **options)  # type: ignore[arg-type]


def with_rooms(*rooms: dict[str, Any]) -> dict[str, Any]:
    return {**DOCUMENT, "theaters": [{**THEATER, "rooms": list(rooms)}]}


def test_a_json_feed_creates_cities_theaters_rooms_and_movies_and_reruns_change_nothing() -> None:
    storage = CountingStorage()
    report = run(storage, DOCUMENT)
    assert (report.created, report.written) == (4, True)
    assert report.by_kind["theaters"] == {"created": 1, "updated": 0, "unchanged": 0}
    theater = storage.theater("berlin-1")
    assert theater is not None
    assert [room.seats_total for room in theater.rooms] == [13, 8]
    again = run(storage, DOCUMENT)
    assert (again.unchanged, again.created, again.updated, again.written) == (4, 0, 0, False)
    assert storage.transactions == 1


def test_the_catalog_the_tests_build_by_hand_is_what_the_feed_describes() -> None:
    report = run(catalog_storage(), DOCUMENT)
    assert (report.unchanged, report.written) == (4, False)


def test_json_lines_records_carry_a_type_and_report_their_line() -> None:
    lines = [
        {"type": "city", "id": "berlin", "name": "Berlin"},
        {"type": "theater", **THEATER, "timezone": "Mars/Olympus"},
        {"type": "movie", "id": "m1", "title": "", "runtime_minutes": 0},
        {"type": "cinema", "id": "x"},
        {
            "type": "theater",
            **THEATER,
            "id": "t2",
            "rooms": [{"id": "r", "name": "R", "layout": ["A ss", "a ss"]}],
        },
    ]
    data = b"\n".join(orjson.dumps(line) for line in lines)
    with pytest.raises(InvalidFeed) as caught:
        run(CountingStorage(), data, "jsonl")
    problems = [(p["line"], p["field"]) for p in details(caught.value)["invalid"]]
    assert problems == [
        (2, "timezone"),
        (3, "title"),
        (3, "runtime_minutes"),
        (4, "type"),
        (5, "rooms[0].layout"),
    ]


def test_json_documents_name_the_record_of_each_problem() -> None:
    document = {**DOCUMENT, "theaters": [{**THEATER, "city_id": "paris"}]}
    with pytest.raises(InvalidFeed) as caught:
        run(CountingStorage(), document)
    assert details(caught.value)["invalid"] == [
        {"line": None, "field": "city_id", "message": "theater berlin-1: unknown city 'paris'"}
    ]
    broken = {**DOCUMENT, "movies": [{"id": "m", "title": "T", "runtime_minutes": "long"}]}
    with pytest.raises(InvalidFeed) as caught:
        run(CountingStorage(), broken)
    [problem] = details(caught.value)["invalid"]
    assert (problem["record"], problem["field"]) == ("movies[0]", "runtime_minutes")


def test_malformed_json_is_reported_with_its_line() -> None:
    with pytest.raises(InvalidFeed) as caught:
        run(CountingStorage(), b'{"cities": [\n  {"id": "x",,}\n]}')
    assert details(caught.value)["invalid"][0]["line"] == 2


def test_a_layout_that_drops_a_sold_seat_is_refused_and_names_the_seat() -> None:
    storage = catalog_storage()
    put(storage, showing("s1", "2026-12-10T18:00:00+00:00"))
    sell(storage, "s1", ["B5", "A1"])
    smaller = with_rooms(
        {"id": "r1", "name": "Saal 1", "layout": ["A ss.ss", "B sspss"[:-1]]}, THEATER["rooms"][1]
    )
    with pytest.raises(SeatsInUse) as caught:
        run(storage, smaller)
    assert caught.value.exit_code == 4
    assert details(caught.value)["refused"] == [
        {"theater_id": "berlin-1", "room_id": "r1", "showing_id": "s1", "seats": ["B5"]}
    ]
    assert "B5" in caught.value.message
    from test_hints_run import check_command

    hint = details(caught.value)["hint"]
    [command] = re.findall(r"`(cinema [^`]*)`", hint)
    assert check_command(command) == []  # import theaters has no --skip-invalid
    theater = storage.theater("berlin-1")
    assert theater is not None
    assert theater.rooms[0].layout == THEATER["rooms"][0]["layout"]


def test_removing_a_room_with_seats_sold_is_refused() -> None:
    storage = catalog_storage()
    put(storage, showing("s1", "2026-12-10T18:00:00+00:00"))
    sell(storage, "s1", ["A1"])
    with pytest.raises(SeatsInUse):
        run(storage, with_rooms(THEATER["rooms"][1]))


def test_a_sold_seat_may_change_category_and_is_reported() -> None:
    storage = catalog_storage()
    put(storage, showing("s1", "2026-12-10T18:00:00+00:00"))
    sell(storage, "s1", ["A1"])
    premium_front = with_rooms(
        {"id": "r1", "name": "Saal 1", "layout": ["A pp.ss", "B sspss", "C wc.ss", "D ssss"]},
        THEATER["rooms"][1],
    )
    report = run(storage, premium_front)
    assert (report.updated, report.written) == (1, True)
    assert report.warnings == [
        "berlin-1/r1: sold seat A1 of showing s1 becomes premium; its ticket keeps what was sold"
    ]


def test_seats_sold_for_showings_that_are_over_do_not_block_a_new_layout() -> None:
    storage = catalog_storage()
    put(storage, showing("past", "2026-02-01T18:00:00+00:00"))
    sell(storage, "past", ["C4"])
    report = run(
        storage,
        with_rooms({"id": "r1", "name": "Saal 1", "layout": ["A ssss"]}, THEATER["rooms"][1]),
    )
    assert report.updated == 1


def test_dry_run_writes_nothing() -> None:
    storage = CountingStorage()
    report = run(storage, DOCUMENT, dry_run=True)
    assert (report.created, report.written, storage.transactions) == (4, False, 0)
    assert storage.theaters() == []


def test_bad_records_are_explained_in_words_and_the_hint_offers_no_missing_option() -> None:
    from fakes import FakeStorage

    feed = (
        b'{"cities": [{"id": "vienna", "name": "Vienna"}], "theaters": [{"id": "w1", "name": "W",'
        b' "city_id": "vienna", "timezone": "Europe/Vienna2", "currency": "eur",'
        b' "rooms": [{"id": "r 1", "name": "R", "layout": ["A ss"]}]}]}'
    )
    with pytest.raises(InvalidFeed) as caught:
        import_theaters(FakeStorage(), lambda: NOW, io.BytesIO(feed), "json")
    messages = {p["field"]: p["message"] for p in details(caught.value)["invalid"]}
    assert messages["timezone"] == "'Europe/Vienna2' is not an IANA time zone (like Europe/Berlin)"
    assert messages["currency"] == "'eur': is not an ISO 4217 currency code such as EUR"
    assert "letters, digits" in messages["rooms[0].id"]
    assert "--skip-invalid" not in details(caught.value)["hint"]


def test_a_theater_sets_its_business_day_cut_off_in_the_feed() -> None:
    from datetime import time

    storage = CountingStorage()
    run(storage, DOCUMENT)
    default = storage.theater("berlin-1")
    assert default is not None
    assert default.business_day_cutoff == time(3, 0)

    later = {**DOCUMENT, "theaters": [{**THEATER, "business_day_cutoff": "04:30"}]}
    report = run(storage, later)
    assert report.by_kind["theaters"] == {"created": 0, "updated": 1, "unchanged": 0}
    changed = storage.theater("berlin-1")
    assert changed is not None
    assert changed.business_day_cutoff == time(4, 30)


@pytest.mark.parametrize("cutoff", ["13:00", "25:00", "late"])
def test_a_business_day_cut_off_out_of_range_is_named(cutoff: str) -> None:
    document = {**DOCUMENT, "theaters": [{**THEATER, "business_day_cutoff": cutoff}]}
    with pytest.raises(InvalidFeed) as caught:
        run(CountingStorage(), document)
    [problem] = details(caught.value)["invalid"]
    assert (problem["record"], problem["field"]) == ("theaters[0]", "business_day_cutoff")
