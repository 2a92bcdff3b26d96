"""``cinema demo``: load the demo catalog and two weeks of showings.

What the demo holds and plans is :mod:`cinema_cli.services.demo_plan` (the fixture files
and their validation).

Loading is idempotent: showing ids are derived from theater, room, local date
and time, and nothing is written unless it differs from what is stored.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from cinema_cli.domain.errors import InvalidFeed
from cinema_cli.domain.models import City, Movie, Showing, Theater
from cinema_cli.services.demo_plan import (
    SCHEDULE_FIXTURE,
    THEATERS_FIXTURE,
    TheatersFeed,
    load_schedule,
    load_theaters_feed,
    plan_showings,
    read_fixture,
    room_clashes,
)
from cinema_cli.services.ports.clock import Clock
from cinema_cli.services.ports.storage import Reader, ShowingQuery, Storage

if TYPE_CHECKING:
    from cinema_cli.services.bookings import BookingDetails
    from cinema_cli.services.purchase import BoxOffice, Purchase


def _changed(stored: object | None, wanted: object) -> bool:
    # Entities are dataclasses: equality compares every field (Decimal and aware
    # datetimes by value), so a record read back from any backend compares equal.
    return stored is None or stored != wanted


@dataclass
class DemoChanges:
    """What loading would write (or wrote)."""

    cities: list[City] = field(default_factory=list)
    theaters: list[Theater] = field(default_factory=list)
    movies: list[Movie] = field(default_factory=list)
    showings: list[Showing] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)
    """Demo showings left out because another showing already uses the room then."""

    @property
    def empty(self) -> bool:
        return not (self.cities or self.theaters or self.movies or self.showings)

    def counts(self) -> dict[str, int]:
        return {
            "cities": len(self.cities),
            "theaters": len(self.theaters),
            "movies": len(self.movies),
            "showings": len(self.showings),
        }


def diff_demo(reader: Reader, feed: TheatersFeed, planned: Sequence[Showing]) -> DemoChanges:
    """What differs between the store and the demo data."""
    changes = DemoChanges()
    cities = {city.id: city for city in reader.cities()}
    changes.cities = [c for c in feed.cities if _changed(cities.get(c.id), c)]
    changes.theaters = [t for t in feed.theaters if _changed(reader.theater(t.id), t)]
    movies = {movie.id: movie for movie in reader.movies()}
    changes.movies = [m for m in feed.movies if _changed(movies.get(m.id), m)]
    if not planned:
        return changes
    theaters = {theater.id: theater for theater in feed.theaters}
    slack = dt.timedelta(days=1)
    stored = reader.showings(
        ShowingQuery(
            theater_ids=frozenset(s.theater_id for s in planned),
            starts_from=min(s.starts_at for s in planned) - slack,
            starts_before=max(s.starts_at for s in planned) + slack,
            include_cancelled=True,
        )
    )
    stored_by_id = {showing.id: showing for showing in stored}
    planned_ids = {showing.id for showing in planned}
    others = [s for s in stored if s.id not in planned_ids]
    for showing in planned:
        if not _changed(stored_by_id.get(showing.id), showing):
            continue
        # Showings from elsewhere (an import) keep their room; the demo one gives way.
        if others and _clashes_with(showing, others, theaters):
            changes.skipped.append(showing.id)
            continue
        changes.showings.append(showing)
    return changes


def _clashes_with(
    showing: Showing, others: Iterable[Showing], theaters: dict[str, Theater]
) -> bool:
    """True when ``showing`` and another showing of its room overlap (cleaning time included)."""
    theater = theaters.get(showing.theater_id)
    cleaning = dt.timedelta(minutes=theater.cleaning_minutes if theater else 0)
    return any(
        other.theater_id == showing.theater_id
        and other.room_id == showing.room_id
        and other.starts_at < showing.ends_at + cleaning
        and showing.starts_at < other.ends_at + cleaning
        for other in others
    )


@dataclass(frozen=True)
class DemoResult:
    """What ``cinema demo`` did, and what to try next."""

    storage_url: str
    written: dict[str, int]
    totals: dict[str, int]
    skipped: list[str]
    first_day: dt.date
    last_day: dt.date
    example_showing: Showing | None
    example_city: City | None
    example_day: dt.date | None
    new_booking: Purchase | None = None
    """The demo booking this run made (when a box office was given)."""
    earlier_booking: BookingDetails | None = None
    """The demo booking an earlier run made (this run then books nothing)."""

    @property
    def booked(self) -> bool:
        """True when this run made the demo booking."""
        return self.new_booking is not None

    @property
    def booking_id(self) -> str | None:
        found = self.new_booking or self.earlier_booking
        return found.booking.id if found is not None else None

    @property
    def changed(self) -> bool:
        return self.booked or any(self.written.values())

    def next_steps(self) -> list[str]:
        """Commands to try next, with this demo's ids filled in."""
        steps = ["cinema theaters"]
        if self.example_city is not None and self.example_day is not None:
            steps.append(
                f"cinema search metro --city {self.example_city.id} --date {self.example_day}"
            )
        steps.append("cinema showtimes metropolis")
        if self.example_showing is not None:
            steps.append(f"cinema seats {self.example_showing.id}")
        if self.booking_id is not None:
            steps.append(f"cinema booking {self.booking_id}")
        return steps


def load_demo(
    storage: Storage,
    clock: Clock,
    *,
    theaters_data: Any = None,
    schedule_data: Any = None,
    office: BoxOffice | None = None,
    hold_seconds: int = 600,
) -> DemoResult:
    """Load the demo catalog and its showings; running it again changes nothing.

    With ``office`` it also books two seats of the example showing for the demo
    buyer (once: a later run finds that booking and shows it again).
    ``theaters_data`` and ``schedule_data`` replace the shipped fixtures (tests).
    """
    now = clock()
    feed = load_theaters_feed(
        read_fixture(THEATERS_FIXTURE) if theaters_data is None else theaters_data
    )
    template = load_schedule(
        read_fixture(SCHEDULE_FIXTURE) if schedule_data is None else schedule_data
    )
    planned = plan_showings(feed, template, now)
    theaters = {theater.id: theater for theater in feed.theaters}
    clashes = room_clashes(planned, theaters)
    if clashes:
        earlier, later = clashes[0]
        raise InvalidFeed(
            f"{SCHEDULE_FIXTURE}: showings {earlier.id} and {later.id} overlap in one room "
            "(runtime plus cleaning time)",
            file=SCHEDULE_FIXTURE,
            showings=[earlier.id, later.id],
        )
    # Compare lock-free first: when nothing differs, no transaction (and no write) happens.
    changes = diff_demo(storage, feed, planned)
    if not changes.empty:
        with storage.transaction() as tx:
            changes = diff_demo(tx, feed, planned)  # the latest state, under the lock
            for city in changes.cities:
                tx.put_city(city)
            for theater in changes.theaters:
                tx.put_theater(theater)
            if changes.movies:
                tx.put_movies(changes.movies)
            if changes.showings:
                tx.put_showings(changes.showings)
    skipped = set(changes.skipped)
    loaded = [s for s in planned if s.id not in skipped]
    example = _example(feed, loaded, now)
    new_booking: Purchase | None = None
    earlier_booking: BookingDetails | None = None
    if office is not None:
        new_booking, earlier_booking = _demo_booking(
            storage, clock, office, example["example_showing"], hold_seconds
        )
    return DemoResult(
        storage_url=storage.url,
        written=changes.counts(),
        totals={
            "cities": len(feed.cities),
            "theaters": len(feed.theaters),
            "movies": len(feed.movies),
            "showings": len(loaded),
        },
        skipped=sorted(skipped),
        first_day=min(_local_day(s, theaters) for s in planned),
        last_day=max(_local_day(s, theaters) for s in planned),
        new_booking=new_booking,
        earlier_booking=earlier_booking,
        **example,
    )


def _local_day(showing: Showing, theaters: dict[str, Theater]) -> dt.date:
    return showing.starts_at.astimezone(ZoneInfo(theaters[showing.theater_id].timezone)).date()


def _demo_booking(
    storage: Storage,
    clock: Clock,
    office: BoxOffice,
    showing: Showing | None,
    hold_seconds: int,
) -> tuple[Purchase | None, BookingDetails | None]:
    """The demo buyer's booking: a new one for ``showing``, or the one that exists."""
    from cinema_cli.services.bookings import booking
    from cinema_cli.services.purchase import DEMO_BUYER, demo_booking

    existing = storage.bookings_by_email(DEMO_BUYER[1])
    if existing:
        return None, booking(storage, clock, existing[0].id, office=office)
    if showing is None:
        return None, None
    return demo_booking(storage, clock, office, showing.id, hold_seconds=hold_seconds), None


def _example(feed: TheatersFeed, showings: list[Showing], now: dt.datetime) -> dict[str, Any]:
    """A Metropolis showing tomorrow (local) to suggest; any upcoming one otherwise."""
    theaters = {theater.id: theater for theater in feed.theaters}
    cities = {city.id: city for city in feed.cities}
    upcoming = sorted((s for s in showings if s.starts_at > now), key=lambda s: (s.starts_at, s.id))
    if not upcoming:
        return {"example_showing": None, "example_city": None, "example_day": None}

    def local_day(showing: Showing) -> dt.date:
        return showing.starts_at.astimezone(ZoneInfo(theaters[showing.theater_id].timezone)).date()

    def tomorrow(showing: Showing) -> dt.date:
        zone = ZoneInfo(theaters[showing.theater_id].timezone)
        return now.astimezone(zone).date() + dt.timedelta(days=1)

    chosen = next(
        (s for s in upcoming if s.movie_id == "metropolis" and local_day(s) == tomorrow(s)),
        next((s for s in upcoming if s.movie_id == "metropolis"), upcoming[0]),
    )
    return {
        "example_showing": chosen,
        "example_city": cities.get(theaters[chosen.theater_id].city_id),
        "example_day": local_day(chosen),
    }
