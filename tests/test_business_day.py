"""The business day: a late show belongs to the evening before, DST days included."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from hypothesis import given, settings
from hypothesis import strategies as st

from cinema_cli.domain.business_day import business_day, late_show_note
from cinema_cli.present import catalog as present
from cinema_cli.services import catalog
from fakes import FakeStorage
from test_catalog import BERLIN, NEW_YORK, clock_at, ids, local, show_at, stocked, zoned_theater

FRIDAY = date(2026, 11, 27)


def berlin_storage(*showings: tuple[str, datetime], cutoff: time = time(3, 0)) -> FakeStorage:
    return stocked(
        [show_at(showing_id, "spree", starts) for showing_id, starts in showings],
        theaters=[zoned_theater("spree", "berlin", BERLIN, "EUR", cutoff)],
    )


def test_a_moment_before_the_cut_off_belongs_to_the_day_before() -> None:
    saturday = datetime(2026, 11, 28, 0, 30)
    assert business_day(saturday) == FRIDAY
    assert business_day(saturday.replace(hour=3)) == date(2026, 11, 28)
    assert business_day(saturday, time(0, 0)) == date(2026, 11, 28)
    assert late_show_note(saturday) == "late show of Fri"
    assert late_show_note(saturday.replace(hour=20)) == ""


def test_search_by_date_lists_the_business_day() -> None:
    storage = berlin_storage(
        ("fri-evening", local(BERLIN, 2026, 11, 27, 20, 0)),
        ("sat-0030", local(BERLIN, 2026, 11, 28, 0, 30)),
        ("sat-0259", local(BERLIN, 2026, 11, 28, 2, 59)),
        ("sat-0300", local(BERLIN, 2026, 11, 28, 3, 0)),
        ("fri-0100", local(BERLIN, 2026, 11, 27, 1, 0)),
    )
    early = datetime(2026, 11, 20, tzinfo=UTC)

    friday = catalog.search(storage, clock_at(early), date=FRIDAY)

    assert ids(friday) == ["fri-evening", "sat-0030", "sat-0259"]
    shown = present.search(friday)["movies"][0]["showings"]
    assert {view["business_day"] for view in shown} == {"2026-11-27"}


def test_showtimes_by_date_lists_the_business_day_too() -> None:
    storage = berlin_storage(("sat-0030", local(BERLIN, 2026, 11, 28, 0, 30)))
    early = datetime(2026, 11, 20, tzinfo=UTC)

    found = catalog.showtimes(storage, clock_at(early), "m", date=FRIDAY)

    assert [info.showing.id for info in found.showings] == ["sat-0030"]


def test_today_after_midnight_is_still_last_nights_business_day() -> None:
    storage = berlin_storage(
        ("sat-0130", local(BERLIN, 2026, 11, 28, 1, 30)),
        ("sat-2000", local(BERLIN, 2026, 11, 28, 20, 0)),
    )
    just_after_midnight = local(BERLIN, 2026, 11, 28, 0, 15)

    today = catalog.search(storage, clock_at(just_after_midnight), date="today")

    assert ids(today) == ["sat-0130"]


def test_berlin_spring_forward_night_belongs_to_saturday() -> None:
    # 2026-03-29: clocks jump from 02:00 to 03:00; the night has no 02:xx.
    storage = berlin_storage(
        ("sun-0130", local(BERLIN, 2026, 3, 29, 1, 30)),
        ("sun-0300", local(BERLIN, 2026, 3, 29, 3, 0)),
        ("sun-2330", local(BERLIN, 2026, 3, 29, 23, 30)),
    )
    early = datetime(2026, 3, 1, tzinfo=UTC)

    assert ids(catalog.search(storage, clock_at(early), date=date(2026, 3, 28))) == ["sun-0130"]
    assert ids(catalog.search(storage, clock_at(early), date=date(2026, 3, 29))) == [
        "sun-0300",
        "sun-2330",
    ]


def test_berlin_fall_back_night_puts_both_0230s_on_saturday() -> None:
    # 2026-10-25: clocks go back from 03:00 to 02:00; 02:30 happens twice.
    storage = berlin_storage(
        ("first-0230", local(BERLIN, 2026, 10, 25, 2, 30, fold=0)),
        ("second-0230", local(BERLIN, 2026, 10, 25, 2, 30, fold=1)),
        ("sun-0300", local(BERLIN, 2026, 10, 25, 3, 0)),
    )
    early = datetime(2026, 10, 1, tzinfo=UTC)

    saturday = catalog.search(storage, clock_at(early), date=date(2026, 10, 24))

    assert ids(saturday) == ["first-0230", "second-0230"]
    assert [v["starts_at"] for v in present.search(saturday)["movies"][0]["showings"]] == [
        "2026-10-25T02:30:00+02:00",
        "2026-10-25T02:30:00+01:00",
    ]
    assert ids(catalog.search(storage, clock_at(early), date=date(2026, 10, 25))) == ["sun-0300"]


def test_new_york_transition_nights_with_a_0200_cut_off() -> None:
    storage = stocked(
        [
            # 2026-03-08: 02:00 jumps to 03:00.
            show_at("spring-0130", "bleecker", local(NEW_YORK, 2026, 3, 8, 1, 30)),
            show_at("spring-0300", "bleecker", local(NEW_YORK, 2026, 3, 8, 3, 0)),
            # 2026-11-01: 02:00 falls back to 01:00; 01:30 happens twice.
            show_at("fall-0130-edt", "bleecker", local(NEW_YORK, 2026, 11, 1, 1, 30, fold=0)),
            show_at("fall-0130-est", "bleecker", local(NEW_YORK, 2026, 11, 1, 1, 30, fold=1)),
            show_at("fall-0200", "bleecker", local(NEW_YORK, 2026, 11, 1, 2, 0)),
        ],
        theaters=[zoned_theater("bleecker", "nyc", NEW_YORK, cutoff=time(2, 0))],
    )
    early = datetime(2026, 3, 1, tzinfo=UTC)

    def day(when: date) -> list[str]:
        return ids(catalog.search(storage, clock_at(early), date=when))

    assert day(date(2026, 3, 7)) == ["spring-0130"]
    assert day(date(2026, 3, 8)) == ["spring-0300"]
    assert day(date(2026, 10, 31)) == ["fall-0130-edt", "fall-0130-est"]
    assert day(date(2026, 11, 1)) == ["fall-0200"]


@settings(max_examples=60, deadline=None)
@given(
    zone=st.sampled_from([BERLIN, NEW_YORK]),
    cutoff=st.sampled_from([time(0, 0), time(2, 0), time(3, 0), time(5, 30)]),
    hours=st.lists(st.integers(0, 24 * 6), min_size=1, max_size=8, unique=True),
    offset=st.integers(0, 5),
)
def test_a_date_finds_exactly_the_showings_of_that_business_day(
    zone: str, cutoff: time, hours: list[int], offset: int
) -> None:
    # Around the spring and autumn transitions of both zones.
    base = datetime(2026, 3, 5, tzinfo=UTC) if offset % 2 else datetime(2026, 10, 22, tzinfo=UTC)
    showings = [show_at(f"s{h}", "t", base + timedelta(minutes=30 * h)) for h in hours]
    storage = stocked(showings, theaters=[zoned_theater("t", "c", zone, cutoff=cutoff)])
    day = (base + timedelta(days=offset)).date()

    found = set(ids(catalog.search(storage, clock_at(base - timedelta(days=1)), date=day)))

    def wall_clock_day(instant: datetime) -> date:
        wall = instant.astimezone(ZoneInfo(zone)).replace(tzinfo=None)
        return (wall - timedelta(hours=cutoff.hour, minutes=cutoff.minute)).date()

    assert found == {s.id for s in showings if wall_clock_day(s.starts_at) == day}


def test_after_and_before_compare_the_clock_time_within_the_business_day() -> None:
    storage = berlin_storage(
        ("fri-2300", local(BERLIN, 2026, 11, 27, 23, 0)),
        ("sat-0030", local(BERLIN, 2026, 11, 28, 0, 30)),
    )
    early = datetime(2026, 11, 20, tzinfo=UTC)

    after = catalog.search(storage, clock_at(early), date=FRIDAY, after=time(22, 0))
    before = catalog.search(storage, clock_at(early), date=FRIDAY, before=time(1, 0))

    assert ids(after) == ["fri-2300"]
    assert ids(before) == ["sat-0030"]
