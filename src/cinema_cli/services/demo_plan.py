"""The demo's data: the fixture files, their validation, and the showings they plan.

The fixtures are a theaters feed (``demo-theaters.json``: cities, theaters with
rooms and seat layouts, movies; the same format as ``cinema import theaters``)
and a showtime template (``demo-schedule.json``: per room, daily local start
times, the movies they rotate through, prices per seat category, format).
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from importlib import resources
from importlib.resources.abc import Traversable
from itertools import pairwise
from pathlib import Path
from typing import Any, TypeVar
from zoneinfo import ZoneInfo

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from cinema_cli.domain.errors import InvalidFeed
from cinema_cli.domain.models import City, Movie, SeatCategory, Showing, Theater
from cinema_cli.domain.schemas import Amount, CityIn, MovieIn, TheaterIn, describe_errors

THEATERS_FIXTURE = "demo-theaters.json"
SCHEDULE_FIXTURE = "demo-schedule.json"


def fixtures_dir() -> Traversable:
    """Where the demo fixtures are.

    In a wheel they are package data (``cinema_cli/fixtures``, force-included
    from the repository's ``fixtures/``); in a source checkout or an editable
    install they are read from ``fixtures/`` at the repository root.
    """
    packaged = resources.files("cinema_cli") / "fixtures"
    if packaged.is_dir():
        return packaged
    return Path(__file__).resolve().parents[3] / "fixtures"


def read_fixture(name: str) -> Any:
    """A fixture file's JSON content."""
    try:
        return json.loads((fixtures_dir() / name).read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise InvalidFeed(
            f"demo fixture {name} is missing from this installation", file=name
        ) from None
    except json.JSONDecodeError as error:
        raise InvalidFeed(
            f"demo fixture {name}: not valid JSON ({error.msg}, line {error.lineno})",
            file=name,
            line=error.lineno,
        ) from None


@dataclass(frozen=True, slots=True)
class TheatersFeed:
    """A validated theaters feed, as entities."""

    cities: list[City]
    theaters: list[Theater]
    movies: list[Movie]


class _TheatersFeedIn(BaseModel):
    """The theaters feed: the entity fields are the feed fields."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    cities: list[CityIn] = Field(default_factory=list)
    theaters: list[TheaterIn] = Field(default_factory=list)
    movies: list[MovieIn] = Field(default_factory=list)


class ScheduledShow(BaseModel):
    """One daily show of a room in the showtime template."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    time: dt.time
    """Local start time."""
    movies: list[str] = Field(min_length=1)
    """Movie ids the show rotates through, one per day."""
    format: str | None = Field(default=None, max_length=16)
    language: str | None = Field(default=None, max_length=35)


class RoomSchedule(BaseModel):
    """What one room shows every day, and at what prices."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    theater_id: str
    room_id: str
    format: str = Field(default="2D", max_length=16)
    prices: dict[SeatCategory, Amount]
    shows: list[ScheduledShow] = Field(min_length=1)


class ScheduleTemplate(BaseModel):
    """The showtime template (``demo-schedule.json``)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    about: str = ""
    days: int = Field(default=14, ge=1, le=366)
    rooms: list[RoomSchedule]


SchemaT = TypeVar("SchemaT", bound=BaseModel)


def _validate(schema: type[SchemaT], data: Any, name: str) -> SchemaT:
    try:
        return schema.model_validate(data)
    except ValidationError as error:
        problems = describe_errors(error)
        first = problems[0]
        raise InvalidFeed(
            f"demo fixture {name}: {first['field']}: {first['message']}",
            file=name,
            errors=problems,
        ) from None


def load_theaters_feed(data: Any, name: str = THEATERS_FIXTURE) -> TheatersFeed:
    """Validate a theaters feed (seat layouts included) and build its entities."""
    feed = _validate(_TheatersFeedIn, data, name)
    return TheatersFeed(
        cities=[city.to_entity() for city in feed.cities],
        theaters=[theater.to_entity() for theater in feed.theaters],
        movies=[movie.to_entity() for movie in feed.movies],
    )


def load_schedule(data: Any, name: str = SCHEDULE_FIXTURE) -> ScheduleTemplate:
    return _validate(ScheduleTemplate, data, name)


def showing_id(theater_id: str, room_id: str, local_start: dt.datetime) -> str:
    """Deterministic id, so that loading the same day twice finds the same showing."""
    return f"{theater_id}-{room_id}-{local_start:%Y%m%d-%H%M}"


def plan_showings(
    feed: TheatersFeed, template: ScheduleTemplate, now: dt.datetime
) -> list[Showing]:
    """The template's showings for ``template.days`` days from today, in each theater's zone."""
    theaters = {theater.id: theater for theater in feed.theaters}
    movies = {movie.id: movie for movie in feed.movies}
    planned: list[Showing] = []
    for room_plan in template.rooms:
        theater = theaters.get(room_plan.theater_id)
        if theater is None or theater.room(room_plan.room_id) is None:
            raise InvalidFeed(
                f"{SCHEDULE_FIXTURE}: no room {room_plan.room_id!r} in theater "
                f"{room_plan.theater_id!r}",
                file=SCHEDULE_FIXTURE,
            )
        if SeatCategory.STANDARD not in room_plan.prices:
            raise InvalidFeed(
                f"{SCHEDULE_FIXTURE}: {room_plan.theater_id}/{room_plan.room_id} "
                "has no standard price",
                file=SCHEDULE_FIXTURE,
            )
        zone = ZoneInfo(theater.timezone)
        today = now.astimezone(zone).date()
        prices = {
            category: amount.quantize(Decimal("0.01"))
            for category, amount in room_plan.prices.items()
        }
        for offset in range(template.days):
            day = today + dt.timedelta(days=offset)
            for show in room_plan.shows:
                movie_id = show.movies[day.toordinal() % len(show.movies)]
                movie = movies.get(movie_id)
                if movie is None:
                    raise InvalidFeed(
                        f"{SCHEDULE_FIXTURE}: unknown movie {movie_id!r}", file=SCHEDULE_FIXTURE
                    )
                local_start = dt.datetime.combine(day, show.time, tzinfo=zone)
                starts_at = local_start.astimezone(dt.UTC)
                planned.append(
                    Showing(
                        id=showing_id(theater.id, room_plan.room_id, local_start),
                        theater_id=theater.id,
                        room_id=room_plan.room_id,
                        movie_id=movie.id,
                        starts_at=starts_at,
                        ends_at=starts_at + dt.timedelta(minutes=movie.runtime_minutes),
                        prices=prices,
                        currency=theater.currency,
                        format=show.format or room_plan.format,
                        language=show.language if show.language is not None else movie.language,
                    )
                )
    return planned


def room_clashes(
    showings: Iterable[Showing], theaters: dict[str, Theater]
) -> list[tuple[Showing, Showing]]:
    """Pairs of showings in one room that overlap, cleaning time after each included."""
    by_room: dict[tuple[str, str], list[Showing]] = {}
    for showing in showings:
        by_room.setdefault((showing.theater_id, showing.room_id), []).append(showing)
    clashes: list[tuple[Showing, Showing]] = []
    for (theater_id, _), room_showings in by_room.items():
        theater = theaters.get(theater_id)
        cleaning = dt.timedelta(minutes=theater.cleaning_minutes if theater else 0)
        ordered = sorted(room_showings, key=lambda s: (s.starts_at, s.id))
        for earlier, later in pairwise(ordered):
            if earlier.ends_at + cleaning > later.starts_at:
                clashes.append((earlier, later))
    return clashes
