"""Boundary validation: pydantic models for everything that comes from outside.

Feeds and command-line input are checked here, once, with messages that name
the field; the result is a domain entity (:mod:`cinema_cli.domain.models`).
Stored data is trusted and never comes through here again, which keeps pydantic
off the start-up path of read-only commands.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime, time
from decimal import Decimal
from typing import Annotated, Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, field_validator

from cinema_cli.domain.layout import LayoutError, parse_layout
from cinema_cli.domain.models import City, Movie, Room, Theater


def _to_utc(value: datetime) -> datetime:
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError("needs a UTC offset (like 2026-11-24T19:00:00+01:00)")
    return value.astimezone(UTC)


_ID_PATTERN_TEXT = r"^[A-Za-z0-9][A-Za-z0-9._:-]*$"
UtcDatetime = Annotated[datetime, AfterValidator(_to_utc)]
"""An aware datetime, normalised to UTC."""
Id = Annotated[
    str,
    Field(
        min_length=1,
        max_length=64,
        pattern=_ID_PATTERN_TEXT,
        description="letters, digits and . _ : - (starting with a letter or digit)",
    ),
]
Currency = Annotated[str, Field(pattern=r"^[A-Z]{3}$", description="ISO 4217 code such as EUR")]
Amount = Annotated[
    Decimal, Field(ge=0, le=Decimal("1000000"), decimal_places=2, allow_inf_nan=False)
]


def _valid_timezone(name: str) -> str:
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError(f"{name!r} is not an IANA time zone (like Europe/Berlin)") from None
    return name


Timezone = Annotated[str, AfterValidator(_valid_timezone)]


def _valid_cutoff(value: time) -> time:
    if value.tzinfo is not None or value.second or value.microsecond:
        raise ValueError("give a local time of day in whole minutes (like 03:00)")
    if value > time(12, 0):
        raise ValueError("the business day ends between 00:00 and 12:00 (like 03:00)")
    return value


BusinessDayCutoff = Annotated[time, AfterValidator(_valid_cutoff)]
"""When a theater's business day ends, local time; ``00:00`` means at midnight."""


class Schema(BaseModel):
    """Base of boundary models: unknown fields are refused, strings are trimmed."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True, frozen=True)


class CityIn(Schema):
    """A city in a theaters feed."""

    id: Id
    name: str = Field(min_length=1, max_length=100)
    country: str = Field(default="", max_length=2)

    def to_entity(self) -> City:
        return City(id=self.id, name=self.name, country=self.country)


class RoomIn(Schema):
    """A room in a theaters feed; ``layout`` uses the compact seat-layout format."""

    id: Id
    name: str = Field(min_length=1, max_length=100)
    layout: list[str] = Field(min_length=1)

    @field_validator("layout")
    @classmethod
    def _layout_parses(cls, rows: list[str]) -> list[str]:
        try:
            parse_layout(rows)
        except LayoutError as error:
            raise ValueError(str(error)) from None
        return [row.strip() for row in rows]

    def to_entity(self) -> Room:
        return Room(id=self.id, name=self.name, layout=list(self.layout))


class TheaterIn(Schema):
    """A theater (with its rooms) in a theaters feed."""

    id: Id
    name: str = Field(min_length=1, max_length=200)
    city_id: Id
    address: str = Field(default="", max_length=300)
    timezone: Timezone
    currency: Currency = "USD"
    cleaning_minutes: int = Field(default=15, ge=0, le=240)
    business_day_cutoff: BusinessDayCutoff = time(3, 0)
    """Local time the business day ends (``HH:MM``, 00:00-12:00)."""
    rooms: list[RoomIn] = Field(default_factory=list)

    @field_validator("rooms")
    @classmethod
    def _room_ids_unique(cls, rooms: list[RoomIn]) -> list[RoomIn]:
        seen: set[str] = set()
        for room in rooms:
            if room.id in seen:
                raise ValueError(f"room id {room.id!r} is used twice")
            seen.add(room.id)
        return rooms

    def to_entity(self) -> Theater:
        return Theater(
            id=self.id,
            name=self.name,
            city_id=self.city_id,
            address=self.address,
            timezone=self.timezone,
            currency=self.currency,
            cleaning_minutes=self.cleaning_minutes,
            business_day_cutoff=self.business_day_cutoff,
            rooms=[room.to_entity() for room in self.rooms],
        )


class MovieIn(Schema):
    """A movie in a theaters feed or a showtimes row."""

    id: Id
    title: str = Field(min_length=1, max_length=300)
    runtime_minutes: int = Field(ge=1, le=1000)
    rating: str = Field(default="", max_length=16)
    genres: list[Annotated[str, Field(min_length=1, max_length=40)]] = Field(default_factory=list)
    language: str = Field(default="", max_length=35)
    year: int | None = Field(default=None, ge=1870, le=2200)

    def to_entity(self) -> Movie:
        return Movie(
            id=self.id,
            title=self.title,
            runtime_minutes=self.runtime_minutes,
            rating=self.rating,
            genres=list(self.genres),
            language=self.language,
            year=self.year,
        )


_ID_PATTERN = _ID_PATTERN_TEXT
_PATTERN_MESSAGES = {
    _ID_PATTERN: "use letters, digits and . _ : - (starting with a letter or digit)",
    r"^[A-Z]{3}$": "is not an ISO 4217 currency code such as EUR",
}


def problem_text(detail: Mapping[str, Any]) -> str:
    """One pydantic error as a sentence for people: the value, then what is wrong with it."""
    message = str(detail.get("msg", "is invalid"))
    kind = detail.get("type", "")
    value = detail.get("input")
    shown = f"{value!r}: " if isinstance(value, str | int | float) else ""
    if kind == "string_pattern_mismatch":
        pattern = str((detail.get("ctx") or {}).get("pattern", ""))
        return shown + _PATTERN_MESSAGES.get(pattern, "is not in the expected form")
    if kind == "value_error":  # our validators name the value themselves
        return message.removeprefix("Value error, ")
    if kind == "missing":
        return "is missing"
    if kind == "extra_forbidden":
        return "is not a known field"
    return shown + message[:1].lower() + message[1:]


def describe_errors(error: Any) -> list[dict[str, str]]:
    """Flatten a pydantic ``ValidationError`` into ``[{"field", "message"}]`` for reports."""
    found = []
    for item in error.errors(include_url=False):
        location = ".".join(str(part) for part in item.get("loc", ())) or "value"
        found.append({"field": location, "message": problem_text(item)})
    return found
