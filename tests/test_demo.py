"""The demo catalog: realistic fixtures, two weeks of local showings, idempotent loading."""

from __future__ import annotations

import copy
import json
import tomllib
from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from builders import DEMO_NOW
from cinema_cli.domain.errors import InvalidFeed
from cinema_cli.domain.layout import parse_layout
from cinema_cli.present.demo import demo as present_demo
from cinema_cli.services import demo, demo_plan
from cinema_cli.services.ports.storage import ShowingQuery
from cinema_cli.storage.json import JsonStorage
from fakes import FakeStorage

ROOT = Path(__file__).resolve().parents[1]
NOW = DEMO_NOW


def clock_at(instant: datetime) -> Callable[[], datetime]:
    return lambda: instant


def fixture(name: str) -> Any:
    return json.loads((ROOT / "fixtures" / name).read_text(encoding="utf-8"))


class CountingStorage(FakeStorage):
    """A fake that counts the transactions opened, to prove a no-op run writes nothing."""

    def __init__(self) -> None:
        super().__init__()
        self.transactions = 0

    def transaction(self):  # type: ignore[no-untyped-def]
        self.transactions += 1
        return super().transaction()


# --- the fixtures --------------------------------------------------------------------------------
def test_the_fixtures_describe_a_realistic_catalog() -> None:
    feed = demo_plan.load_theaters_feed(fixture(demo_plan.THEATERS_FIXTURE))
    assert len(feed.cities) >= 3
    assert len({t.timezone for t in feed.theaters}) >= 3
    assert len({t.currency for t in feed.theaters}) >= 3
    assert len(feed.theaters) >= 5
    assert len(feed.movies) >= 8
    titles = {m.title for m in feed.movies}
    assert {"Metropolis", "Nosferatu", "The General", "His Girl Friday"} <= titles
    categories: set[str] = set()
    for theater in feed.theaters:
        for room in theater.rooms:
            seats = parse_layout(room.layout)
            categories |= {seat.category for seat in seats}
            assert any("." in row for row in room.layout), f"{room.id} has no aisle"
    assert categories == {"standard", "premium", "wheelchair", "companion"}
    all_rows = [row for t in feed.theaters for r in t.rooms for row in r.layout]
    assert any("x" in row for row in all_rows), "no blocked seat anywhere"


def test_wheelchair_spaces_have_a_companion_seat_beside_them() -> None:
    feed = demo_plan.load_theaters_feed(fixture(demo_plan.THEATERS_FIXTURE))
    for theater in feed.theaters:
        for room in theater.rooms:
            for row in room.layout:
                cells = row.split()[1]
                for index, cell in enumerate(cells):
                    if cell == "w":
                        neighbours = cells[max(index - 1, 0) : index + 2]
                        assert "c" in neighbours, f"{theater.id}/{room.id} {row}"


def test_the_shipped_fixtures_are_the_ones_the_wheel_includes() -> None:
    """The wheel force-includes fixtures/ as cinema_cli/fixtures; a checkout reads it in place."""
    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    force_include = config["tool"]["hatch"]["build"]["targets"]["wheel"]["force-include"]
    assert force_include["fixtures"] == "cinema_cli/fixtures"
    found = demo_plan.fixtures_dir()
    for name in (demo_plan.THEATERS_FIXTURE, demo_plan.SCHEDULE_FIXTURE):
        assert (found / name).read_bytes() == (ROOT / "fixtures" / name).read_bytes()


# --- planning ----------------------------------------------------------------------------------
def planned() -> list[Any]:
    feed = demo_plan.load_theaters_feed(fixture(demo_plan.THEATERS_FIXTURE))
    template = demo_plan.load_schedule(fixture(demo_plan.SCHEDULE_FIXTURE))
    return demo_plan.plan_showings(feed, template, NOW)


def test_showings_cover_14_local_days_from_today_in_every_theater() -> None:
    feed = demo_plan.load_theaters_feed(fixture(demo_plan.THEATERS_FIXTURE))
    theaters = {t.id: t for t in feed.theaters}
    days: dict[str, set[Any]] = {}
    for showing in planned():
        zone = ZoneInfo(theaters[showing.theater_id].timezone)
        days.setdefault(showing.theater_id, set()).add(showing.starts_at.astimezone(zone).date())
    assert set(days) == set(theaters)
    for theater_id, seen in days.items():
        today = NOW.astimezone(ZoneInfo(theaters[theater_id].timezone)).date()
        assert seen == {today + timedelta(days=n) for n in range(14)}


def test_showing_ids_are_theater_room_local_date_and_time() -> None:
    showings = planned()
    assert len({s.id for s in showings}) == len(showings)
    first = next(s for s in showings if s.theater_id == "nyc-bleecker" and s.room_id == "t1")
    local = first.starts_at.astimezone(ZoneInfo("America/New_York"))
    assert first.id == f"nyc-bleecker-t1-{local:%Y%m%d-%H%M}"


def test_no_two_showings_overlap_in_a_room_cleaning_included() -> None:
    feed = demo_plan.load_theaters_feed(fixture(demo_plan.THEATERS_FIXTURE))
    assert demo_plan.room_clashes(planned(), {t.id: t for t in feed.theaters}) == []


def test_a_template_that_overlaps_is_refused() -> None:
    schedule = copy.deepcopy(fixture(demo_plan.SCHEDULE_FIXTURE))
    # Metropolis (148 min) at 15:15, then a show at 16:00 in the same room.
    schedule["rooms"][0]["shows"].insert(2, {"time": "16:00", "movies": ["the-kid"]})
    with pytest.raises(InvalidFeed, match="overlap"):
        demo.load_demo(FakeStorage(), clock_at(NOW), schedule_data=schedule)


def test_a_malformed_feed_names_the_field() -> None:
    feed = copy.deepcopy(fixture(demo_plan.THEATERS_FIXTURE))
    feed["theaters"][0]["timezone"] = "Mars/Olympus"
    with pytest.raises(InvalidFeed) as raised:
        demo.load_demo(FakeStorage(), clock_at(NOW), theaters_data=feed)
    assert "timezone" in raised.value.message


# --- loading -----------------------------------------------------------------------------------
def test_loading_twice_changes_nothing_and_opens_no_transaction() -> None:
    storage = CountingStorage()
    first = demo.load_demo(storage, clock_at(NOW))
    assert first.changed
    assert first.written == {"cities": 4, "theaters": 5, "movies": 11, "showings": 504}
    before = list(storage.dump())
    opened = storage.transactions
    second = demo.load_demo(storage, clock_at(NOW))
    assert not second.changed
    assert second.written == {"cities": 0, "theaters": 0, "movies": 0, "showings": 0}
    assert storage.transactions == opened
    assert list(storage.dump()) == before


def test_a_day_later_only_the_new_day_is_added() -> None:
    storage = FakeStorage()
    demo.load_demo(storage, clock_at(NOW))
    later = demo.load_demo(storage, clock_at(NOW + timedelta(days=1)))
    per_day = later.written["showings"]
    assert later.written["cities"] == later.written["theaters"] == later.written["movies"] == 0
    assert per_day == 504 // 14


def test_loading_twice_rewrites_no_file_of_the_json_backend(tmp_path: Path) -> None:
    demo.load_demo(JsonStorage(tmp_path, lock_timeout=5), clock_at(NOW))
    files = {p: p.stat().st_mtime_ns for p in tmp_path.rglob("*") if p.is_file()}
    contents = {p: p.read_bytes() for p in files}
    result = demo.load_demo(JsonStorage(tmp_path, lock_timeout=5), clock_at(NOW))
    assert not result.changed
    assert {p: p.stat().st_mtime_ns for p in files} == files
    assert {p: p.read_bytes() for p in files} == contents


def test_a_changed_fixture_rewrites_only_what_changed() -> None:
    storage = FakeStorage()
    demo.load_demo(storage, clock_at(NOW))
    feed = copy.deepcopy(fixture(demo_plan.THEATERS_FIXTURE))
    feed["movies"][0]["rating"] = "PG"
    result = demo.load_demo(storage, clock_at(NOW), theaters_data=feed)
    assert result.written == {"cities": 0, "theaters": 0, "movies": 1, "showings": 0}


def test_demo_showings_give_way_to_showings_already_in_the_room() -> None:
    storage = FakeStorage()
    demo.load_demo(storage, clock_at(NOW))
    taken = storage.showing("berlin-mitte-saal1-20260520-1515")
    assert taken is not None
    with storage.transaction() as tx:
        # An imported showing that starts 10 minutes later, under another id.
        from dataclasses import replace

        imported = replace(
            taken,
            id="imported-1",
            starts_at=taken.starts_at + timedelta(minutes=10),
            ends_at=taken.ends_at + timedelta(minutes=10),
        )
        tx.put_showings([imported])
        tx._state.showings.pop(taken.id)
    result = demo.load_demo(storage, clock_at(NOW))
    assert result.skipped == [taken.id]
    assert storage.showing(taken.id) is None
    assert result.written["showings"] == 0


def test_the_summary_suggests_commands_that_work() -> None:
    storage = FakeStorage()
    result = demo.load_demo(storage, clock_at(NOW))
    view = present_demo(result)
    assert view["example_showing"] is not None
    assert storage.showing(view["example_showing"]) is not None
    assert any(step.startswith("cinema search metro --city ") for step in view["next"])
    assert f"cinema seats {view['example_showing']}" in view["next"]
    listed = storage.showings(ShowingQuery())
    assert len(listed) == view["totals"]["showings"] == 504
