"""Browsing rules: title and city matching, local time windows, DST, seat statuses."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from builders import NOW, city, movie, showing, theater
from cinema_cli.domain.errors import (
    AmbiguousMovie,
    CityNotFound,
    ExitCode,
    InvalidInput,
    MovieNotFound,
    SeatUnavailable,
    ShowingNotFound,
    TheaterNotFound,
)
from cinema_cli.domain.models import City, ClaimKind, Room, SeatClaim, Showing, Theater
from cinema_cli.domain.seating import taken_seats
from cinema_cli.present import catalog as present
from cinema_cli.services import catalog, seats
from cinema_cli.services.catalog import fold_text, title_matches
from cinema_cli.services.reservations import reserve
from cinema_cli.storage.json import JsonStorage
from fakes import FakeStorage


def clock_at(instant: datetime) -> Callable[[], datetime]:
    return lambda: instant


def zoned_theater(
    theater_id: str,
    city_id: str,
    zone: str,
    currency: str = "USD",
    cutoff: time = time(0, 0),
) -> Theater:
    """A one-room theater in ``zone``; its business day ends at ``cutoff`` (by default at
    midnight, so that a date is the calendar day)."""
    return Theater(
        id=theater_id,
        name=theater_id.replace("-", " ").title(),
        city_id=city_id,
        timezone=zone,
        currency=currency,
        business_day_cutoff=cutoff,
        rooms=[Room(id="r1", name="Room 1", layout=["A ss.ss", "B sxsss"])],
    )


def show_at(showing_id: str, theater_id: str, starts_at: datetime, movie_id: str = "m") -> Showing:
    return Showing(
        id=showing_id,
        theater_id=theater_id,
        room_id="r1",
        movie_id=movie_id,
        starts_at=starts_at.astimezone(UTC),
        ends_at=starts_at.astimezone(UTC) + timedelta(minutes=90),
        prices={"standard": Decimal("10.00")},  # type: ignore[dict-item]
        currency="USD",
    )


def stocked(
    showings: list[Showing],
    *,
    theaters: list[Theater] | None = None,
    cities: list[City] | None = None,
    movies: list[tuple[str, str]] | None = None,
) -> FakeStorage:
    storage = FakeStorage()
    with storage.transaction() as tx:
        for c in cities or [City(id="nyc", name="New York", country="US")]:
            tx.put_city(c)
        for t in theaters or [zoned_theater("bleecker", "nyc", "America/New_York")]:
            tx.put_theater(t)
        tx.put_movies(movie(movie_id, title) for movie_id, title in (movies or [("m", "Movie")]))
        tx.put_showings(showings)
    return storage


def ids(result: catalog.SearchResult) -> list[str]:
    return [info.showing.id for entry in result.movies for info in entry.showings]


# --- text -------------------------------------------------------------------------------------
def test_folding_ignores_case_accents_and_punctuation() -> None:
    assert fold_text("Das Cabinet des Dr. Caligari") == "das cabinet des dr caligari"
    assert fold_text("HÄXAN") == "haxan"
    assert fold_text("São Paulo") == "sao paulo"
    assert fold_text("Straße") == "strasse"


@pytest.mark.parametrize(
    ("keyword", "title"),
    [
        ("metro", "Metropolis"),
        ("METROPOLIS", "Metropolis"),
        ("haxan", "Häxan"),
        ("HÄXAN", "Haxan"),
        ("dr caligari", "The Cabinet of Dr. Caligari"),
        ("caligari cabinet", "The Cabinet of Dr. Caligari"),
        ("amelie", "Le Fabuleux Destin d'Amélie Poulain"),
    ],
)
def test_a_keyword_matches_titles_without_regard_to_case_or_accents(
    keyword: str, title: str
) -> None:
    assert title_matches(keyword, title)


def test_every_word_of_the_keyword_must_occur() -> None:
    assert not title_matches("metropolis 2", "Metropolis")
    assert not title_matches("nosferatu", "Metropolis")


@given(st.text(max_size=40))
def test_folding_is_idempotent(text: str) -> None:
    assert fold_text(fold_text(text)) == fold_text(text)


@given(st.text(min_size=1, max_size=40))
def test_a_title_always_matches_itself(title: str) -> None:
    assert title_matches(title, title)


@given(st.text(alphabet=st.characters(codec="latin-1"), min_size=1, max_size=40))
def test_a_title_in_capitals_matches_it(title: str) -> None:
    assert title_matches(title.upper(), title)
    assert title_matches(title.lower(), title)


# --- search: who and where ----------------------------------------------------------------------
def test_search_finds_by_keyword_accent_insensitively() -> None:
    storage = stocked(
        [
            show_at("s1", "bleecker", NOW + timedelta(hours=2), "haxan"),
            show_at("s2", "bleecker", NOW + timedelta(hours=5), "metropolis"),
        ],
        movies=[("haxan", "Häxan"), ("metropolis", "Metropolis")],
    )
    result = catalog.search(storage, clock_at(NOW), keyword="HAXAN")
    assert [entry.movie.id for entry in result.movies] == ["haxan"]
    assert ids(result) == ["s1"]


def test_search_without_filters_lists_only_upcoming_showings() -> None:
    storage = stocked(
        [
            show_at("past", "bleecker", NOW - timedelta(hours=1)),
            show_at("now", "bleecker", NOW),
            show_at("soon", "bleecker", NOW + timedelta(minutes=1)),
        ]
    )
    assert ids(catalog.search(storage, clock_at(NOW))) == ["soon"]


def test_search_by_city_id_or_name_ignores_case_and_accents() -> None:
    storage = stocked(
        [
            show_at("sp1", "augusta", NOW + timedelta(hours=1)),
            show_at("ny1", "bleecker", NOW + timedelta(hours=1)),
        ],
        theaters=[
            zoned_theater("augusta", "sao-paulo", "America/Sao_Paulo", "BRL"),
            zoned_theater("bleecker", "nyc", "America/New_York"),
        ],
        cities=[
            City(id="sao-paulo", name="São Paulo", country="BR"),
            City(id="nyc", name="New York", country="US"),
        ],
    )
    for spelling in ("sao-paulo", "SAO PAULO", "são paulo", "Sao Paulo"):
        assert ids(catalog.search(storage, clock_at(NOW), city=spelling)) == ["sp1"]
    assert ids(catalog.search(storage, clock_at(NOW), city="new york")) == ["ny1"]


def test_an_unknown_city_is_not_found_and_lists_the_known_ones() -> None:
    storage = stocked([])
    with pytest.raises(CityNotFound) as raised:
        catalog.search(storage, clock_at(NOW), city="Paris")
    assert raised.value.exit_code is ExitCode.NOT_FOUND
    assert raised.value.details["known"] == [{"id": "nyc", "name": "New York"}]
    assert "New York (nyc)" in raised.value.details["hint"]


def test_an_unknown_theater_is_not_found() -> None:
    with pytest.raises(TheaterNotFound):
        catalog.search(stocked([]), clock_at(NOW), theater_id="nowhere")


def test_search_by_theater_and_limit_keeps_the_earliest() -> None:
    storage = stocked([show_at(f"s{i}", "bleecker", NOW + timedelta(hours=i)) for i in range(1, 6)])
    result = catalog.search(storage, clock_at(NOW), theater_id="bleecker", limit=2)
    assert ids(result) == ["s1", "s2"]
    assert result.truncated
    assert present.search(result)["truncated"] is True
    assert not catalog.search(storage, clock_at(NOW), limit=5).truncated


def test_search_groups_showings_by_movie_in_title_order() -> None:
    storage = stocked(
        [
            show_at("z1", "bleecker", NOW + timedelta(hours=1), "zulu"),
            show_at("a1", "bleecker", NOW + timedelta(hours=2), "alpha"),
            show_at("z2", "bleecker", NOW + timedelta(hours=3), "zulu"),
        ],
        movies=[("zulu", "Zulu"), ("alpha", "Alpha")],
    )
    result = catalog.search(storage, clock_at(NOW))
    assert [entry.movie.id for entry in result.movies] == ["alpha", "zulu"]
    assert [info.showing.id for info in result.movies[1].showings] == ["z1", "z2"]


# --- search: local time windows ----------------------------------------------------------------
TOKYO = "Asia/Tokyo"
NEW_YORK = "America/New_York"
BERLIN = "Europe/Berlin"


def local(
    zone: str, year: int, month: int, day: int, hour: int, minute: int, *, fold: int = 0
) -> datetime:
    from zoneinfo import ZoneInfo

    return datetime(year, month, day, hour, minute, tzinfo=ZoneInfo(zone), fold=fold)


def two_zone_storage(showings: list[Showing], cutoff: time = time(0, 0)) -> FakeStorage:
    """Theaters in Tokyo and New York; their business days end at ``cutoff`` (midnight:
    a date is the calendar day)."""
    return stocked(
        showings,
        theaters=[
            zoned_theater("shibuya", "tokyo", TOKYO, "JPY", cutoff),
            zoned_theater("bleecker", "nyc", NEW_YORK, cutoff=cutoff),
        ],
        cities=[City(id="tokyo", name="Tokyo"), City(id="nyc", name="New York")],
    )


def test_a_date_is_each_theaters_own_local_day() -> None:
    early = datetime(2026, 5, 1, tzinfo=UTC)
    storage = two_zone_storage(
        [
            # 23:30 on the 12th in Tokyo is 14:30 UTC on the 12th.
            show_at("tokyo-late", "shibuya", local(TOKYO, 2026, 5, 12, 23, 30)),
            # 00:30 on the 13th in Tokyo is still the 12th in UTC: not that day.
            show_at("tokyo-next", "shibuya", local(TOKYO, 2026, 5, 13, 0, 30)),
            # 23:30 on the 12th in New York is 03:30 UTC on the 13th.
            show_at("ny-late", "bleecker", local(NEW_YORK, 2026, 5, 12, 23, 30)),
            # 00:30 on the 12th in New York: the 12th locally, 04:30 UTC.
            show_at("ny-early", "bleecker", local(NEW_YORK, 2026, 5, 12, 0, 30)),
            show_at("ny-before", "bleecker", local(NEW_YORK, 2026, 5, 11, 23, 59)),
        ]
    )
    result = catalog.search(storage, clock_at(early), date=date(2026, 5, 12))
    assert sorted(ids(result)) == ["ny-early", "ny-late", "tokyo-late"]


def test_after_and_before_are_local_times_of_day() -> None:
    early = datetime(2026, 5, 1, tzinfo=UTC)
    storage = two_zone_storage(
        [
            show_at("tokyo-18", "shibuya", local(TOKYO, 2026, 5, 12, 18, 0)),
            show_at("tokyo-21", "shibuya", local(TOKYO, 2026, 5, 12, 21, 0)),
            show_at("ny-18", "bleecker", local(NEW_YORK, 2026, 5, 12, 18, 0)),
            show_at("ny-17", "bleecker", local(NEW_YORK, 2026, 5, 12, 17, 59)),
            show_at("ny-13-19", "bleecker", local(NEW_YORK, 2026, 5, 13, 19, 0)),
        ]
    )
    result = catalog.search(
        storage, clock_at(early), date=date(2026, 5, 12), after=time(18, 0), before=time(21, 0)
    )
    assert sorted(ids(result)) == ["ny-18", "tokyo-18"]
    # Without a date the time of day applies to every upcoming day.
    any_day = catalog.search(storage, clock_at(early), after=time(18, 30))
    assert sorted(ids(any_day)) == ["ny-13-19", "tokyo-21"]


def test_after_must_be_earlier_than_before() -> None:
    with pytest.raises(InvalidInput):
        catalog.search(stocked([]), clock_at(NOW), after=time(20), before=time(18))


def test_today_and_tomorrow_follow_each_theaters_zone() -> None:
    # 2026-05-12 20:00 UTC: already the 13th in Tokyo, still the 12th in New York.
    now = datetime(2026, 5, 12, 20, 0, tzinfo=UTC)
    storage = two_zone_storage(
        [
            show_at("tokyo-13", "shibuya", local(TOKYO, 2026, 5, 13, 18, 0)),
            show_at("tokyo-14", "shibuya", local(TOKYO, 2026, 5, 14, 18, 0)),
            show_at("ny-12", "bleecker", local(NEW_YORK, 2026, 5, 12, 19, 0)),
            show_at("ny-13", "bleecker", local(NEW_YORK, 2026, 5, 13, 19, 0)),
        ]
    )
    assert sorted(ids(catalog.search(storage, clock_at(now), date="today"))) == [
        "ny-12",
        "tokyo-13",
    ]
    assert sorted(ids(catalog.search(storage, clock_at(now), date="tomorrow"))) == [
        "ny-13",
        "tokyo-14",
    ]


def test_a_past_date_has_no_upcoming_showings() -> None:
    storage = stocked([show_at("old", "bleecker", NOW - timedelta(days=2))])
    past_day = (NOW - timedelta(days=2)).date()
    assert ids(catalog.search(storage, clock_at(NOW), date=past_day)) == []


def test_a_date_today_keeps_only_showings_not_started_yet() -> None:
    now = local(NEW_YORK, 2026, 5, 12, 15, 0).astimezone(UTC)
    storage = stocked(
        [
            show_at("morning", "bleecker", local(NEW_YORK, 2026, 5, 12, 11, 0)),
            show_at("evening", "bleecker", local(NEW_YORK, 2026, 5, 12, 19, 0)),
        ]
    )
    assert ids(catalog.search(storage, clock_at(now), date=date(2026, 5, 12))) == ["evening"]


# --- DST ---------------------------------------------------------------------------------------
def fall_back_showings() -> list[Showing]:
    # America/New_York falls back on 2026-11-01 at 02:00 EDT: 01:30 happens twice.
    first = local(NEW_YORK, 2026, 11, 1, 1, 30, fold=0)
    second = local(NEW_YORK, 2026, 11, 1, 1, 30, fold=1)
    return [show_at("edt-0130", "bleecker", first), show_at("est-0130", "bleecker", second)]


def test_both_0130_showings_of_a_fall_back_night_are_stored_and_shown_correctly() -> None:
    showings = fall_back_showings()
    assert [s.starts_at for s in showings] == [
        datetime(2026, 11, 1, 5, 30, tzinfo=UTC),
        datetime(2026, 11, 1, 6, 30, tzinfo=UTC),
    ]
    storage = stocked(showings)
    early = datetime(2026, 10, 30, tzinfo=UTC)
    result = catalog.search(
        storage, clock_at(early), date=date(2026, 11, 1), after=time(1, 0), before=time(2, 0)
    )
    views = present.search(result)["movies"][0]["showings"]
    assert [view["starts_at"] for view in views] == [
        "2026-11-01T01:30:00-04:00",
        "2026-11-01T01:30:00-05:00",
    ]


def test_the_fall_back_day_is_25_hours_long() -> None:
    storage = stocked(
        [
            show_at("first-minute", "bleecker", local(NEW_YORK, 2026, 11, 1, 0, 0)),
            show_at("last-minute", "bleecker", local(NEW_YORK, 2026, 11, 1, 23, 59)),
            show_at("next-day", "bleecker", local(NEW_YORK, 2026, 11, 2, 0, 0)),
            show_at("day-before", "bleecker", local(NEW_YORK, 2026, 10, 31, 23, 59)),
        ]
    )
    early = datetime(2026, 10, 30, tzinfo=UTC)
    assert ids(catalog.search(storage, clock_at(early), date=date(2026, 11, 1))) == [
        "first-minute",
        "last-minute",
    ]


def test_the_spring_forward_day_is_23_hours_long() -> None:
    # Europe/Berlin springs forward on 2026-03-29 (02:00 CET -> 03:00 CEST).
    storage = stocked(
        [
            show_at("late", "spree", local(BERLIN, 2026, 3, 29, 23, 30)),
            show_at("after-midnight", "spree", local(BERLIN, 2026, 3, 30, 0, 10)),
            show_at("morning", "spree", local(BERLIN, 2026, 3, 29, 3, 15)),
        ],
        theaters=[zoned_theater("spree", "berlin", BERLIN, "EUR")],
        cities=[city("berlin")],
    )
    result = catalog.search(
        storage, clock_at(datetime(2026, 3, 1, tzinfo=UTC)), date=date(2026, 3, 29)
    )
    views = present.search(result)["movies"][0]["showings"]
    assert [(v["id"], v["starts_at"]) for v in views] == [
        ("morning", "2026-03-29T03:15:00+02:00"),
        ("late", "2026-03-29T23:30:00+02:00"),
    ]


def test_a_fall_back_showing_survives_the_json_backend(tmp_path: Path) -> None:
    storage = JsonStorage(tmp_path, lock_timeout=5)
    with storage.transaction() as tx:
        tx.put_city(City(id="nyc", name="New York"))
        tx.put_theater(zoned_theater("bleecker", "nyc", NEW_YORK))
        tx.put_movies([movie("m", "Movie")])
        tx.put_showings(fall_back_showings())
    reopened = JsonStorage(tmp_path, lock_timeout=5)
    assert reopened.showing("est-0130") == fall_back_showings()[1]
    result = catalog.showtimes(
        reopened, clock_at(datetime(2026, 10, 30, tzinfo=UTC)), "m", date=date(2026, 11, 1)
    )
    assert [v["starts_at"] for v in present.showtimes(result)["showings"]] == [
        "2026-11-01T01:30:00-04:00",
        "2026-11-01T01:30:00-05:00",
    ]


# --- showtimes ---------------------------------------------------------------------------------
def movie_storage() -> FakeStorage:
    return stocked(
        [
            show_at("n1", "bleecker", NOW + timedelta(hours=1), "nosferatu"),
            show_at("n2", "bleecker", NOW + timedelta(hours=3), "nosferatu-vampyr"),
            show_at("g1", "bleecker", NOW + timedelta(hours=2), "general"),
        ],
        movies=[
            ("nosferatu", "Nosferatu"),
            ("nosferatu-vampyr", "Nosferatu the Vampyre"),
            ("general", "The General"),
            ("kid", "The Kid"),
        ],
    )


def test_showtimes_takes_a_movie_id() -> None:
    result = catalog.showtimes(movie_storage(), clock_at(NOW), "nosferatu-vampyr")
    assert result.movie.id == "nosferatu-vampyr"
    assert [info.showing.id for info in result.showings] == ["n2"]


def test_an_exact_title_wins_over_titles_that_contain_it() -> None:
    result = catalog.showtimes(movie_storage(), clock_at(NOW), "NOSFERATU")
    assert result.movie.id == "nosferatu"


def test_a_unique_partial_title_is_enough() -> None:
    assert catalog.showtimes(movie_storage(), clock_at(NOW), "general").movie.id == "general"


def test_an_ambiguous_title_lists_the_candidates() -> None:
    with pytest.raises(AmbiguousMovie) as raised:
        catalog.showtimes(movie_storage(), clock_at(NOW), "the")
    assert raised.value.exit_code is ExitCode.NOT_FOUND
    assert {c["id"] for c in raised.value.details["candidates"]} == {
        "general",
        "kid",
        "nosferatu-vampyr",
    }


def test_an_unknown_movie_is_not_found() -> None:
    with pytest.raises(MovieNotFound):
        catalog.showtimes(movie_storage(), clock_at(NOW), "Casablanca")


def test_showtimes_view_has_the_documented_keys() -> None:
    view = present.showtimes(catalog.showtimes(movie_storage(), clock_at(NOW), "general"))
    assert {"movie", "showings"} <= view.keys()
    assert {"id", "title", "runtime_minutes", "rating"} <= view["movie"].keys()


# --- seat map ----------------------------------------------------------------------------------
def claim(seat: str, kind: ClaimKind, *, session: str = "other", minutes: int = 5) -> SeatClaim:
    return SeatClaim(
        showing_id="s1",
        seat_id=seat,
        kind=kind,
        reservation_id=f"r-{session}",
        session_id=session,
        expires_at=None if kind is ClaimKind.SOLD else NOW + timedelta(minutes=minutes),
        booking_id="b1" if kind is ClaimKind.SOLD else None,
    )


def seat_storage(claims: list[SeatClaim]) -> FakeStorage:
    storage = FakeStorage()
    with storage.transaction() as tx:
        tx.put_city(city())
        tx.put_theater(theater())  # layout: A ssss.ssss / B ssss.ssss / C wc.pppp.x
        tx.put_movies([movie()])
        tx.put_showings([showing("s1")])
    with storage.transaction() as tx:
        # Claims straight into the fake: the rules for making them are the booking issue's.
        for c in claims:
            tx._state.claims[(c.showing_id, c.seat_id)] = c
    return storage


def test_seat_statuses_come_from_live_claims_and_the_layout() -> None:
    storage = seat_storage(
        [
            claim("A1", ClaimKind.SOLD),
            claim("A2", ClaimKind.HOLD),
            claim("A3", ClaimKind.HOLD, minutes=0),  # expires exactly now: dead
            claim("A4", ClaimKind.HOLD, minutes=-5),  # expired: dead
        ]
    )
    seat_map = seats.seat_map(storage, clock_at(NOW), "s1")
    status = {info.seat.id: info.status for info in seat_map.seats}
    assert status["A1"] == "sold"
    assert status["A2"] == "held"
    assert status["A3"] == "available"
    assert status["A4"] == "available"
    assert status["C7"] == "blocked"
    total = len(seat_map.seats) - 1  # the blocked seat is never sold
    assert seat_map.available == total - 2
    view = present.seats(seat_map)
    assert view["available"] == seat_map.available
    assert view["showing"]["seats_available"] == seat_map.available


def test_a_seat_map_marks_the_sessions_own_hold() -> None:
    storage = seat_storage(
        [claim("B1", ClaimKind.HOLD, session="me"), claim("B2", ClaimKind.HOLD, session="other")]
    )
    seat_map = seats.seat_map(storage, clock_at(NOW), "s1", session_id="me")
    mine = {info.seat.id for info in seat_map.seats if info.mine}
    assert mine == {"B1"}
    assert present.seats(seat_map)["held_by_session"] == ["B1"]
    assert not any(info.mine for info in seats.seat_map(storage, clock_at(NOW), "s1").seats)


def test_seats_carry_category_and_price() -> None:
    seat_map = seats.seat_map(seat_storage([]), clock_at(NOW), "s1")
    by_id = {view["id"]: view for view in present.seats(seat_map)["seats"]}
    assert (by_id["C1"]["category"], by_id["C1"]["price"]) == ("wheelchair", "12.50")
    assert (by_id["C3"]["category"], by_id["C3"]["price"]) == ("premium", "16.00")
    assert by_id["A1"] == {
        "id": "A1",
        "row": "A",
        "number": 1,
        "category": "standard",
        "status": "available",
        "price": "12.50",
        "mine": False,
        "row_index": 0,
        "column": 0,
    }


def test_taken_seats_are_sales_and_live_holds_minus_the_ones_ignored() -> None:
    claims = [
        claim("A1", ClaimKind.SOLD),
        claim("A2", ClaimKind.HOLD),
        claim("A3", ClaimKind.HOLD, minutes=0),  # expires exactly now: dead
        claim("B1", ClaimKind.HOLD, session="me"),
    ]
    taken = taken_seats(claims, NOW)
    assert set(taken) == {"A1", "A2", "B1"}
    assert taken["A1"].kind is ClaimKind.SOLD
    assert set(taken_seats(claims, NOW, ignoring={"r-me"})) == {"A1", "A2"}


def test_the_seat_map_and_reserve_agree_on_taken_seats() -> None:
    storage = seat_storage([claim("A1", ClaimKind.SOLD), claim("A2", ClaimKind.HOLD)])
    status = {
        info.seat.id: info.status for info in seats.seat_map(storage, clock_at(NOW), "s1").seats
    }
    assert (status["A1"], status["A2"], status["A3"]) == ("sold", "held", "available")
    with pytest.raises(SeatUnavailable) as raised:
        reserve(storage, clock_at(NOW), "s1", seats=["A1", "A2", "A3"], hold_seconds=60)
    assert raised.value.details["seats"] == ["A1", "A2"]


def test_an_unknown_showing_is_not_found() -> None:
    with pytest.raises(ShowingNotFound) as raised:
        seats.seat_map(seat_storage([]), clock_at(NOW), "nope")
    assert raised.value.exit_code is ExitCode.NOT_FOUND


def test_search_counts_free_seats_with_live_claims_only() -> None:
    storage = seat_storage([claim("A1", ClaimKind.SOLD), claim("A2", ClaimKind.HOLD, minutes=-1)])
    result = catalog.search(storage, clock_at(NOW))
    info = result.movies[0].showings[0]
    assert info.seats_available == info.seats_total - 1


# --- theaters ----------------------------------------------------------------------------------
def test_theaters_lists_rooms_and_filters_by_city() -> None:
    storage = two_zone_storage([])
    listed = present.theaters(catalog.list_theaters(storage))["theaters"]
    assert {t["id"] for t in listed} == {"shibuya", "bleecker"}
    only = present.theaters(catalog.list_theaters(storage, city="TOKYO"))["theaters"]
    assert [t["id"] for t in only] == ["shibuya"]
    assert only[0]["rooms"] == [{"id": "r1", "name": "Room 1", "seats_total": 8}]
    assert {"id", "name", "city", "timezone", "rooms"} <= only[0].keys()


ZONES = [
    "Europe/Berlin",
    "America/New_York",
    "Asia/Tokyo",
    "America/Sao_Paulo",
    "Australia/Lord_Howe",
    "Pacific/Chatham",
]


@settings(max_examples=60, deadline=None)
@given(
    zone=st.sampled_from(ZONES),
    starts=st.lists(
        st.datetimes(min_value=datetime(2026, 1, 1), max_value=datetime(2026, 12, 31)),
        min_size=1,
        max_size=12,
    ).map(
        lambda values: (
            values[:1] + [values[0] + timedelta(hours=h) for h in (-20, 13, 26)] + values[1:]
        )
    ),
    offset=st.integers(min_value=-1, max_value=1),
)
def test_a_date_finds_exactly_the_showings_on_that_local_day(
    zone: str, starts: list[datetime], offset: int
) -> None:
    from zoneinfo import ZoneInfo

    # Ask for a day next to one of the showings, so that days with matches are common.
    day = starts[0].replace(tzinfo=UTC).astimezone(ZoneInfo(zone)).date() + timedelta(days=offset)

    showings = [show_at(f"s{i}", "t", start.replace(tzinfo=UTC)) for i, start in enumerate(starts)]
    storage = stocked(
        showings, theaters=[zoned_theater("t", "nyc", zone)], cities=[City(id="nyc", name="X")]
    )
    early = datetime(2025, 12, 1, tzinfo=UTC)
    found = set(ids(catalog.search(storage, clock_at(early), date=day)))
    expected = {s.id for s in showings if s.starts_at.astimezone(ZoneInfo(zone)).date() == day}
    assert found == expected
    assert offset != 0 or "s0" in found


@pytest.mark.parametrize(
    ("amount", "currency", "shown"),
    [
        ("12.5", "EUR", "12.50"),
        ("1800", "JPY", "1800"),
        ("1.25", "KWD", "1.250"),
        ("0", "USD", "0.00"),
    ],
)
def test_amounts_are_shown_with_their_currency_s_decimals(
    amount: str, currency: str, shown: str
) -> None:
    from decimal import Decimal

    from cinema_cli.domain.models import Money, format_amount

    assert format_amount(Decimal(amount), currency) == shown
    assert str(Money(Decimal(amount), currency)) == f"{shown} {currency}"
