"""Browsing use cases: theaters, movie search and showtimes (seat maps: ``services.seats``).

Times: showings are stored in UTC; every date and time a user gives here is
the *theater's* local one. A day is a business day (:mod:`cinema_cli.domain.business_day`):
it runs to the theater's cut-off, 03:00 by default, so a 00:30 late show is listed
under the evening before. A local window (a day, ``--after``, ``--before``) is
turned into a UTC range per theater, the store is asked once for the coarse
union of those ranges, and each showing is then checked exactly in its own
theater's zone, so that DST days (23 or 25 hours long) come out right.

Text: titles and cities match without regard to case or accents
(``"metropolis"`` finds ``"Metropolis"``, ``"koln"`` finds ``"Köln"``).
"""

# No `from __future__ import annotations` here: NamedTuple would compile every
# string annotation into a ForwardRef at import time (a few ms of start-up).
import datetime as dt
import re
import unicodedata
from functools import lru_cache
from typing import TYPE_CHECKING, Any, Literal, NamedTuple
from zoneinfo import ZoneInfo

from cinema_cli.domain.business_day import business_day
from cinema_cli.domain.errors import (
    AmbiguousMovie,
    CityNotFound,
    InvalidInput,
    MovieNotFound,
    TheaterNotFound,
)
from cinema_cli.domain.models import City, Movie, Showing, Theater
from cinema_cli.services.explain import did_you_mean
from cinema_cli.services.ports.storage import Reader, ShowingQuery

if TYPE_CHECKING:
    from cinema_cli.services.ports.clock import Clock

RelativeDay = Literal["today", "tomorrow"]
DaySpec = dt.date | str | None
"""A business day: a date, ``"today"`` or ``"tomorrow"`` (in each theater's zone), or any."""


# --- text folding -----------------------------------------------------------------------------
_NOT_WORD = re.compile(r"[\W_]+")


def fold_text(text: str) -> str:
    """Lower-case, strip accents (NFKD) and turn punctuation into single spaces.

    ``"Das Cabinet des Dr. Caligari"`` -> ``"das cabinet des dr caligari"``.
    """
    decomposed = unicodedata.normalize("NFKD", text)
    bare = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return _NOT_WORD.sub(" ", bare.casefold()).strip()


def title_matches(keyword: str, title: str) -> bool:
    """True when every word of ``keyword`` occurs in ``title`` (folded, in any order)."""
    folded_title = fold_text(title)
    return all(word in folded_title for word in fold_text(keyword).split())


# --- results ----------------------------------------------------------------------------------
class ShowingInfo(NamedTuple):
    """One showing with what is needed to show it: its theater, movie and free seats."""

    showing: Showing
    theater: Theater
    movie: Movie | None
    seats_taken: int

    @property
    def room_name(self) -> str:
        room = self.theater.room(self.showing.room_id)
        return room.name if room else self.showing.room_id

    @property
    def seats_total(self) -> int:
        room = self.theater.room(self.showing.room_id)
        return room.seats_total if room else 0

    @property
    def seats_available(self) -> int:
        return max(self.seats_total - self.seats_taken, 0)


class MovieShowings(NamedTuple):
    """A movie and its showings that matched, earliest first."""

    movie: Movie
    showings: list[ShowingInfo]


class SearchResult(NamedTuple):
    """What ``cinema search`` found: movies by title, each with its showings."""

    movies: list[MovieShowings]
    truncated: bool = False
    """True when ``limit`` cut off later showings."""

    @property
    def showing_count(self) -> int:
        return sum(len(entry.showings) for entry in self.movies)


class Showtimes(NamedTuple):
    """One movie's showings (``cinema showtimes``)."""

    movie: Movie
    showings: list[ShowingInfo]
    truncated: bool = False


class TheaterInfo(NamedTuple):
    """A theater and its city (``None`` when the catalog lacks it)."""

    theater: Theater
    city: City | None


class TheaterList(NamedTuple):
    """What ``cinema theaters`` lists."""

    theaters: list[TheaterInfo]


# --- lookups ----------------------------------------------------------------------------------
def resolve_city(storage: Reader, city: str) -> City:
    """A city by id or name (case and accents ignored); :class:`CityNotFound` lists the others."""
    cities = storage.cities()
    wanted = fold_text(city)
    for candidate in cities:
        if candidate.id == city or wanted in (fold_text(candidate.id), fold_text(candidate.name)):
            return candidate
    known = [f"{c.name} ({c.id})" for c in cities]
    raise CityNotFound(
        f"no city {city!r}",
        city=city,
        known=[{"id": c.id, "name": c.name} for c in cities],
        hint=("known cities: " + ", ".join(known)) if known else "no cities yet: run `cinema demo`",
    )


def resolve_movie(storage: Reader, movie: str) -> Movie:
    """A movie by id or by title.

    An exact id wins, then an exact title (case and accents ignored), then a
    title containing every word given. Several candidates at the same level
    raise :class:`AmbiguousMovie` listing them.
    """
    found = storage.movie(movie)
    if found is not None:
        return found
    movies = storage.movies()
    wanted = fold_text(movie)
    if not wanted:
        raise MovieNotFound(f"no movie {movie!r}", movie=movie)
    exact = [m for m in movies if fold_text(m.title) == wanted or fold_text(m.id) == wanted]
    candidates = exact or [m for m in movies if title_matches(movie, m.title)]
    if len(candidates) == 1:
        return candidates[0]
    if not candidates:
        raise MovieNotFound(
            f"no movie {movie!r}",
            movie=movie,
            hint=did_you_mean(movie, [m.id for m in movies])
            or "`cinema search` lists the movies that are showing",
        )
    listed = [{"id": m.id, "title": m.title, "year": m.year} for m in candidates]
    raise AmbiguousMovie(
        f"{movie!r} matches {len(candidates)} movies; give one id",
        movie=movie,
        candidates=listed,
        hint="; ".join(f"{m.id} ({m.title}{f', {m.year}' if m.year else ''})" for m in candidates),
    )


def _theaters_for(storage: Reader, city: str | None, theater_id: str | None) -> list[Theater]:
    if theater_id is not None:
        theater = storage.theater(theater_id)
        if theater is None:
            known = [t.id for t in storage.theaters()]
            raise TheaterNotFound(
                f"no theater {theater_id!r}",
                theater=theater_id,
                known=known,
                hint=did_you_mean(theater_id, known)
                or (("known theaters: " + ", ".join(known)) if known else "run `cinema demo`"),
            )
        if city is not None and resolve_city(storage, city).id != theater.city_id:
            return []
        return [theater]
    if city is not None:
        return storage.theaters(resolve_city(storage, city).id)
    return storage.theaters()


@lru_cache(maxsize=64)
def _zone(name: str) -> ZoneInfo:
    return ZoneInfo(name)


def _local_day(day: DaySpec, theater: Theater, now: dt.datetime) -> dt.date | None:
    if day is None or isinstance(day, dt.date):
        return day
    today = business_day(now.astimezone(_zone(theater.timezone)), theater.business_day_cutoff)
    if day == "today":
        return today
    if day == "tomorrow":
        return today + dt.timedelta(days=1)
    raise InvalidInput(f"date: {day!r} is not a date (YYYY-MM-DD, today or tomorrow)", field="date")


def _local_midnight(day: dt.date, zone: ZoneInfo) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(0), tzinfo=zone).astimezone(dt.UTC)


class _Window(NamedTuple):
    """What one theater's showings must satisfy, in its own zone."""

    zone: ZoneInfo
    day: dt.date | None
    cutoff: dt.time
    utc_from: dt.datetime
    utc_before: dt.datetime | None


def _windows(theaters: list[Theater], day: DaySpec, now: dt.datetime) -> dict[str, _Window]:
    windows: dict[str, _Window] = {}
    for theater in theaters:
        zone = _zone(theater.timezone)
        local_day = _local_day(day, theater, now)
        cutoff = theater.business_day_cutoff
        if local_day is None:
            windows[theater.id] = _Window(zone, None, cutoff, now, None)
            continue
        # Coarse UTC bounds around the business day (its calendar day and the night after);
        # each showing is then placed exactly by its wall-clock time.
        start = _local_midnight(local_day, zone)
        end = _local_midnight(local_day + dt.timedelta(days=2), zone)
        windows[theater.id] = _Window(zone, local_day, cutoff, max(start, now), end)
    return windows


def _clock_time_ok(local: dt.datetime, after: dt.time | None, before: dt.time | None) -> bool:
    moment = local.time().replace(tzinfo=None, fold=0)
    return (after is None or moment >= after) and (before is None or moment < before)


def _find_showings(
    storage: Reader,
    theaters: list[Theater],
    now: dt.datetime,
    *,
    movie_ids: frozenset[str] | None,
    day: DaySpec,
    after: dt.time | None,
    before: dt.time | None,
) -> list[tuple[Showing, Theater]]:
    """Upcoming showings in these theaters within the local window, earliest first."""
    if after is not None and before is not None and after >= before:
        raise InvalidInput(
            f"--after {after:%H:%M} must be earlier than --before {before:%H:%M}",
            field="after",
        )
    if not theaters or (movie_ids is not None and not movie_ids):
        return []
    windows = _windows(theaters, day, now)
    # One coarse query covering every theater's window; refined exactly below.
    starts_from = min(w.utc_from for w in windows.values())
    ends = [w.utc_before for w in windows.values()]
    starts_before = None if any(end is None for end in ends) else max(e for e in ends if e)
    if starts_before is not None and starts_before <= starts_from:
        return []
    by_id = {theater.id: theater for theater in theaters}
    query = ShowingQuery(
        movie_ids=movie_ids,
        theater_ids=frozenset(by_id),
        starts_from=starts_from,
        starts_before=starts_before,
    )
    found: list[tuple[Showing, Theater]] = []
    for showing in storage.showings(query):
        theater = by_id.get(showing.theater_id)
        if theater is None:
            continue
        window = windows[theater.id]
        # Upcoming means "not started yet": a showing starting right now is gone.
        if showing.starts_at <= now or showing.starts_at < window.utc_from:
            continue
        if window.utc_before is not None and showing.starts_at >= window.utc_before:
            continue
        local = showing.starts_at.astimezone(window.zone)
        if window.day is not None and business_day(local, window.cutoff) != window.day:
            continue
        if not _clock_time_ok(local, after, before):
            continue
        found.append((showing, theater))
    return found


def _infos(
    storage: Reader,
    pairs: list[tuple[Showing, Theater]],
    movies: dict[str, Movie],
    now: dt.datetime,
) -> list[ShowingInfo]:
    taken = storage.seats_taken([showing.id for showing, _ in pairs], now)
    return [
        ShowingInfo(showing, theater, movies.get(showing.movie_id), taken.get(showing.id, 0))
        for showing, theater in pairs
    ]


def _cut(items: list[Any], limit: int | None) -> tuple[list[Any], bool]:
    if limit is None or limit <= 0 or len(items) <= limit:
        return items, False
    return items[:limit], True


# --- use cases --------------------------------------------------------------------------------
def list_theaters(storage: Reader, city: str | None = None) -> TheaterList:
    """Theaters with their rooms, optionally in one city (by id or name)."""
    cities = {c.id: c for c in storage.cities()}
    city_id = resolve_city(storage, city).id if city is not None else None
    return TheaterList(
        [TheaterInfo(theater, cities.get(theater.city_id)) for theater in storage.theaters(city_id)]
    )


def search(
    storage: Reader,
    clock: "Clock",
    keyword: str | None = None,
    city: str | None = None,
    date: DaySpec = None,
    after: dt.time | None = None,
    before: dt.time | None = None,
    theater_id: str | None = None,
    limit: int | None = None,
) -> SearchResult:
    """Find upcoming showings (the design notes' ``searchMovies(keyword, city, dateTime)``).

    ``keyword`` matches titles (every word, case and accents ignored); ``city``
    is an id or a name; ``date``, ``after`` and ``before`` are local to each
    theater. Only showings that have not started are returned. ``limit`` keeps
    the earliest showings (``truncated`` says when some were left out).
    """
    now = clock()
    theaters = _theaters_for(storage, city, theater_id)
    movies = {movie.id: movie for movie in storage.movies()}
    movie_ids: frozenset[str] | None = None
    if keyword is not None and keyword.strip():
        movie_ids = frozenset(m.id for m in movies.values() if title_matches(keyword, m.title))
    pairs = _find_showings(
        storage, theaters, now, movie_ids=movie_ids, day=date, after=after, before=before
    )
    pairs = [(s, t) for s, t in pairs if s.movie_id in movies]
    pairs, truncated = _cut(pairs, limit)
    grouped: dict[str, list[ShowingInfo]] = {}
    for info in _infos(storage, pairs, movies, now):
        grouped.setdefault(info.showing.movie_id, []).append(info)
    ordered = sorted(grouped, key=lambda movie_id: (fold_text(movies[movie_id].title), movie_id))
    return SearchResult(
        [MovieShowings(movies[movie_id], grouped[movie_id]) for movie_id in ordered],
        truncated=truncated,
    )


def showtimes(
    storage: Reader,
    clock: "Clock",
    movie: str,
    city: str | None = None,
    date: DaySpec = None,
    theater_id: str | None = None,
    limit: int | None = None,
) -> Showtimes:
    """One movie's upcoming showings; ``movie`` is an id or an unambiguous title."""
    now = clock()
    found = resolve_movie(storage, movie)
    theaters = _theaters_for(storage, city, theater_id)
    pairs = _find_showings(
        storage, theaters, now, movie_ids=frozenset({found.id}), day=date, after=None, before=None
    )
    pairs, truncated = _cut(pairs, limit)
    return Showtimes(found, _infos(storage, pairs, {found.id: found}, now), truncated=truncated)
