"""Reading a theaters feed: cities, theaters (rooms, seat layouts) and movies.

Theater feeds are small (a chain's theaters, rooms and movies): a JSON document is read
whole, JSON Lines record by record (``"type"`` says the kind).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import IO, Any

from cinema_cli.domain.feeds import FeedProblem
from cinema_cli.domain.limits import THEATER_FEED_BYTES
from cinema_cli.domain.models import City, Movie, Theater
from cinema_cli.services.imports.formats import FeedFormat
from cinema_cli.services.imports.reading import FeedBroken, Record, jsonl_records


def _schemas() -> dict[str, Any]:
    from cinema_cli.domain.schemas import CityIn, MovieIn, TheaterIn

    return {"city": CityIn, "theater": TheaterIn, "movie": MovieIn}


_KINDS = ("city", "theater", "movie")
_PLURAL = {"city": "cities", "theater": "theaters", "movie": "movies"}


@dataclass
class CatalogFeed:
    """The cities, theaters and movies of a theaters feed, by id, and its problems."""

    cities: dict[str, City] = field(default_factory=dict)
    theaters: dict[str, Theater] = field(default_factory=dict)
    movies: dict[str, Movie] = field(default_factory=dict)
    problems: list[FeedProblem] = field(default_factory=list)
    count: int = 0


def _catalog_records(source: IO[bytes], fmt: FeedFormat) -> Iterator[tuple[str | None, Record]]:
    import orjson

    if fmt == "jsonl":
        for item in jsonl_records(source):
            kind = item.values.get("type") if item.values is not None else None
            yield (kind if isinstance(kind, str) else None), item
        return
    # Theater feeds are small (a chain's theaters, rooms and movies): read whole, up to a bound.
    raw = source.read(THEATER_FEED_BYTES + 1)
    if len(raw) > THEATER_FEED_BYTES:
        raise FeedBroken(
            [
                FeedProblem(
                    None,
                    "",
                    f"is larger than {THEATER_FEED_BYTES:,} bytes, the limit of a JSON theater "
                    "feed (JSON Lines has no overall limit)",
                )
            ]
        )
    if raw.startswith(b"\xef\xbb\xbf"):
        raw = raw[3:]
    try:
        document = orjson.loads(raw)
    except orjson.JSONDecodeError as error:
        raise FeedBroken(
            [FeedProblem(error.lineno, "", f"is not valid JSON: {error.msg}")]
        ) from None
    if not isinstance(document, dict):
        raise FeedBroken(
            [
                FeedProblem(
                    None,
                    "",
                    'a theater feed is {"cities": [...], "theaters": [...], "movies": [...]}',
                )
            ]
        )
    for key in document:
        if key not in ("cities", "theaters", "movies"):
            raise FeedBroken([FeedProblem(None, key, "is not cities, theaters or movies")])
    for kind in ("city", "theater", "movie"):
        records = document.get(_PLURAL[kind], [])
        if not isinstance(records, list):
            raise FeedBroken([FeedProblem(None, _PLURAL[kind], "is not a list")])
        for index, value in enumerate(records):
            label = f"{_PLURAL[kind]}[{index}]"
            if not isinstance(value, dict):
                yield (
                    kind,
                    Record(None, label, None, FeedProblem(None, "", "is not a JSON object", label)),
                )
            else:
                yield kind, Record(None, label, value)


def _field_name(location: tuple[int | str, ...]) -> str:
    text = ""
    for part in location:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text


def read_catalog(source: IO[bytes], fmt: FeedFormat) -> CatalogFeed:
    """Read and validate every record (pydantic, :mod:`cinema_cli.domain.schemas`)."""
    from pydantic import ValidationError

    from cinema_cli.domain.schemas import problem_text

    feed = CatalogFeed()
    schemas = _schemas()
    seen: dict[tuple[str, str], str] = {}
    try:
        for kind, item in _catalog_records(source, fmt):
            feed.count += 1
            if item.values is None:
                assert item.problem is not None
                feed.problems.append(item.problem)
                continue
            values = dict(item.values)
            if fmt == "jsonl":
                values.pop("type", None)
                if kind not in _KINDS:
                    feed.problems.append(
                        FeedProblem(
                            item.line, "type", 'must be "city", "theater" or "movie"', item.record
                        )
                    )
                    continue
            assert kind is not None
            try:
                model = schemas[kind].model_validate(values).to_entity()
            except ValidationError as error:
                for detail in error.errors():
                    feed.problems.append(
                        FeedProblem(
                            item.line,
                            _field_name(tuple(detail["loc"])),
                            problem_text(detail),
                            item.record,
                        )
                    )
                continue
            problems: list[tuple[str, str]] = []
            previous = seen.get((kind, model.id))
            if previous is not None:
                problems.append(("id", f"{kind} {model.id} appears twice (first at {previous})"))
            seen[(kind, model.id)] = (
                f"line {item.line}" if item.line is not None else str(item.record)
            )
            if problems:
                feed.problems.extend(
                    FeedProblem(item.line, name, message, item.record) for name, message in problems
                )
                continue
            if isinstance(model, City):
                feed.cities[model.id] = model
            elif isinstance(model, Theater):
                feed.theaters[model.id] = model
            else:
                feed.movies[model.id] = model
    except FeedBroken as broken:
        feed.problems.extend(broken.problems)
    return feed
