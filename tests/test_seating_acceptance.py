"""Issue acceptance, tried as a new user would: accessible seats, groups, the business day."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

import builders
from builders import DEMO_NOW, utc_text
from cinema_cli.cli.app import app
from cinema_cli.storage.json import JsonStorage

DEMO_SHOWING = "berlin-mitte-saal1-20260512-1515"
"""A demo showing at 15:15 Berlin time, over three hours after :data:`DEMO_NOW`."""


def cinema(data_dir: Path, *args: str, now: datetime) -> Any:
    return CliRunner().invoke(
        app,
        ["--data-dir", str(data_dir), *args],
        env={"CINEMA_NOW": utc_text(now), "NO_COLOR": "1"},
    )


def as_json(result: Any) -> Any:
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


@pytest.fixture
def demo_dir(tmp_path: Path) -> Path:
    as_json(cinema(tmp_path, "demo", "--json", now=DEMO_NOW))
    return tmp_path


@pytest.fixture
def small_room(tmp_path: Path) -> Path:
    """The builders' Babylon: rows A and B of 4 + 4 seats around an aisle, C with a
    wheelchair space; one showing ``s1`` six hours after NOW, one at Saturday 00:30."""
    storage = JsonStorage(tmp_path)
    saturday_0030 = datetime(2026, 11, 27, 23, 30, tzinfo=UTC)  # 00:30 CET on the 28th
    with storage.transaction() as tx:
        tx.put_city(builders.city())
        tx.put_theater(builders.theater())
        tx.put_movies([builders.movie()])
        tx.put_showings([builders.showing(), builders.showing("late", starts_at=saturday_0030)])
    storage.close()
    return tmp_path


def test_a_wheelchair_space_is_held_with_its_companion_seat(demo_dir: Path) -> None:
    held = as_json(
        cinema(demo_dir, "reserve", DEMO_SHOWING, "--count", "2", "--wheelchair", "1", "--json",
               now=DEMO_NOW)
    )  # fmt: skip
    seat_map = as_json(cinema(demo_dir, "seats", DEMO_SHOWING, "--json", now=DEMO_NOW))
    by_id = {seat["id"]: seat for seat in seat_map["seats"]}
    categories = {by_id[s]["category"]: s for s in held["seats"]}
    assert categories.keys() == {"wheelchair", "companion"}
    assert by_id[categories["companion"]]["companion_of"] == categories["wheelchair"]
    assert {by_id[s]["status"] for s in categories.values()} == {"held"}


def test_a_companion_seat_alone_is_refused_until_an_hour_before_the_start(
    demo_dir: Path,
) -> None:
    early = cinema(demo_dir, "reserve", DEMO_SHOWING, "--count", "1", "--category", "companion",
                   "--json", now=DEMO_NOW)  # fmt: skip
    assert early.exit_code == 4
    error = json.loads(early.stderr)["error"]
    assert error["code"] == "companion_seat_restricted"
    assert "only with their wheelchair space" in error["message"]
    assert error["details"]["release_minutes"] == 60

    starts = datetime(2026, 5, 12, 13, 15, tzinfo=UTC)  # 15:15 in Berlin (CEST)
    late = cinema(demo_dir, "reserve", DEMO_SHOWING, "--count", "1", "--category", "companion",
                  "--json", now=starts - timedelta(minutes=59))  # fmt: skip
    assert late.exit_code == 0, late.output


def test_eight_people_get_4_plus_4_in_rows_behind_each_other(small_room: Path) -> None:
    held = as_json(cinema(small_room, "reserve", "s1", "--count", "8", "--json", now=builders.NOW))
    seats = held["seats"]
    assert sorted(seats) == sorted(["A1", "A2", "A3", "A4", "B1", "B2", "B3", "B4"]) or sorted(
        seats
    ) == sorted(["A5", "A6", "A7", "A8", "B5", "B6", "B7", "B8"])


def test_together_refuses_a_split_and_names_the_largest_block(small_room: Path) -> None:
    refused = cinema(small_room, "reserve", "s1", "--count", "8", "--together", now=builders.NOW)
    assert refused.exit_code == 4
    assert "the largest free block has 4" in refused.output


def test_a_saturday_0030_showing_is_listed_on_friday(small_room: Path) -> None:
    friday = cinema(small_room, "search", "--date", "2026-11-27", "--json", now=builders.NOW)
    listed = [s for movie in as_json(friday)["movies"] for s in movie["showings"]]
    assert [(s["id"], s["business_day"]) for s in listed] == [("late", "2026-11-27")]

    human = cinema(small_room, "search", "--date", "2026-11-27", now=builders.NOW)
    assert human.exit_code == 0, human.output
    assert "Sat 28 Nov 00:30 CET, late show of Fri" in human.output

    saturday = cinema(small_room, "search", "--date", "2026-11-28", "--json", now=builders.NOW)
    assert as_json(saturday)["count"] == 0


@pytest.mark.parametrize(
    ("args", "field"),
    [
        (["--count", "1", "--wheelchair", "2"], "wheelchair"),
        (["--wheelchair", "1"], "seats"),
        (["A1", "--together"], "count"),
    ],
)
def test_wheelchair_and_together_need_a_count_that_fits(
    small_room: Path, args: list[str], field: str
) -> None:
    refused = cinema(small_room, "reserve", "s1", *args, "--json", now=builders.NOW)
    assert refused.exit_code == 6
    assert json.loads(refused.stderr)["error"]["details"]["field"] == field


def test_naming_a_wheelchair_space_with_its_companion_is_allowed(small_room: Path) -> None:
    both = ("reserve", "s1", "C1", "C2", "--session", "ada", "--json")
    assert as_json(cinema(small_room, *both, now=builders.NOW))["seats"] == ["C1", "C2"]
    alone = cinema(
        small_room, "reserve", "s1", "C2", "--session", "ada", "--json", now=builders.NOW
    )
    assert alone.exit_code == 4
    assert json.loads(alone.stderr)["error"]["code"] == "companion_seat_restricted"
