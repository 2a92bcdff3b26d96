"""Properties of the feed rules and readers: garbage in gives documented errors, never a crash."""

from __future__ import annotations

import io
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

import orjson
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pydantic import TypeAdapter

from cinema_cli.domain.errors import InvalidFeed, SeatsInUse
from cinema_cli.domain.feeds import (
    COLUMNS,
    Catalog,
    LocalTimeError,
    RowChecker,
    RowInvalid,
    ShowtimeRow,
    check_row,
    parse_amount,
    resolve_row,
    to_instant,
)
from cinema_cli.domain.models import SeatCategory
from cinema_cli.domain.schemas import Amount, Currency, Id
from cinema_cli.services.imports import FeedFormat, export_showtimes, import_showtimes
from cinema_cli.services.ports.storage import ShowingQuery
from imports_catalog import MOVIE, NOW, SHORT, THEATER, catalog_storage

FAST = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
ID = TypeAdapter(Id)
AMOUNT = TypeAdapter(Amount)
CURRENCY = TypeAdapter(Currency)

cells = st.one_of(
    st.none(),
    st.text(max_size=30),
    st.integers(),
    st.floats(),
    st.booleans(),
    st.decimals(),
    st.lists(st.text(max_size=5), max_size=3),
)


@FAST
@given(st.dictionaries(st.sampled_from([*COLUMNS, "junk"]), cells))
def test_any_record_is_a_row_or_a_list_of_named_problems(values: dict[str, object]) -> None:
    row: ShowtimeRow | None
    try:
        row, problems = check_row(values, line=7), []
    except RowInvalid as invalid:
        row, problems = None, invalid.problems
    if row is None:
        assert problems
        assert all(problem.line == 7 and problem.field and problem.message for problem in problems)
        return
    for name in ("showing_id", "theater_id", "room_id", "movie_id"):
        ID.validate_python(getattr(row, name))
    AMOUNT.validate_python(row.price)
    for amount in row.extra_prices.values():
        AMOUNT.validate_python(amount)
    if row.currency is not None:
        CURRENCY.validate_python(row.currency)


def outcome(check: Callable[..., ShowtimeRow], values: dict[str, object], **options: Any) -> object:
    """A checked row, or the problems that made it invalid (comparable either way)."""
    try:
        return check(values, **options)
    except RowInvalid as invalid:
        return invalid.problems


# Few distinct cells, valid and not, so that one checker meets each of them again and again.
repeated_cells = st.one_of(
    st.sampled_from(
        [
            *("", " ", "t1", " t1 ", "bad id!", "9.50", "9.5", "-1", "1.234", "x", "0", "2D"),
            *("2026-03-10 19:00", "2026-02-30 19:00", "2026-03-10", "EUR", "eur", "120"),
            "Drama; Comedy",
        ]
    ),
    st.sampled_from([0, 1, True, False, 1.0, 120, Decimal("9.5")]),  # True == 1 == 1.0
    cells,
)


@FAST
@given(st.lists(st.dictionaries(st.sampled_from([*COLUMNS, "junk"]), repeated_cells), max_size=8))
def test_one_checker_for_a_whole_feed_gives_what_each_record_checked_alone_gives(
    records: list[dict[str, object]],
) -> None:
    checker = RowChecker()
    strict = RowChecker(strict=True)
    for line, values in enumerate(records, start=2):
        alone = outcome(check_row, values, line=line)
        assert outcome(checker.check, values, line=line) == alone
        alone_strict = outcome(check_row, values, line=line, strict=True)
        assert outcome(strict.check, values, line=line) == alone_strict


@FAST
@given(
    st.lists(st.sampled_from([*COLUMNS, "junk"]), min_size=1, unique=True).flatmap(
        lambda header: st.tuples(
            st.just(header),
            st.lists(st.fixed_dictionaries(dict.fromkeys(header, repeated_cells)), max_size=6),
        )
    )
)
def test_a_checker_told_the_csv_header_checks_rows_as_if_it_had_every_column(
    header_and_rows: tuple[list[str], list[dict[str, object]]],
) -> None:
    header, rows = header_and_rows
    checker = RowChecker(columns=header)
    for line, values in enumerate(rows, start=2):
        assert outcome(checker.check, values, line=line) == outcome(check_row, values, line=line)


def test_every_column_lands_in_its_own_field() -> None:
    values = {
        "showing_id": "s1",
        "theater_id": "t1",
        "room_id": "r1",
        "movie_id": "m1",
        "starts_at": "2026-03-10 19:00",
        "price": "9.50",
        "ends_at": "2026-03-10 21:00",
        "price_premium": "12",
        "price_wheelchair": "5",
        "price_companion": "0",
        "currency": "EUR",
        "format": "3D",
        "language": "de",
        "movie_title": "Dune",
        "runtime_minutes": "155",
        "rating": "PG-13",
        "genres": "Sci-Fi;Drama",
    }
    assert set(values) == set(COLUMNS)
    for checker in (RowChecker(), RowChecker(columns=values)):
        row = checker.check(values, line=2)
        assert (row.showing_id, row.theater_id, row.room_id, row.movie_id) == (
            "s1",
            "t1",
            "r1",
            "m1",
        )
        assert (row.starts_at, row.starts_at_text) == (
            datetime(2026, 3, 10, 19),
            "2026-03-10 19:00",
        )
        assert (row.ends_at, row.ends_at_text) == (datetime(2026, 3, 10, 21), "2026-03-10 21:00")
        assert row.price == Decimal("9.50")
        assert row.extra_prices == {
            SeatCategory.PREMIUM: Decimal("12.00"),
            SeatCategory.WHEELCHAIR: Decimal("5.00"),
            SeatCategory.COMPANION: Decimal("0.00"),
        }
        assert (row.currency, row.format, row.language) == ("EUR", "3D", "de")
        assert (row.movie_title, row.runtime_minutes, row.rating) == ("Dune", 155, "PG-13")
        assert row.genres == ["Sci-Fi", "Drama"]


@FAST
@given(st.text(max_size=20))
def test_an_amount_is_a_valid_price_or_refused(text: str) -> None:
    try:
        amount = parse_amount(text)
    except ValueError:
        return
    if amount is not None:
        assert AMOUNT.validate_python(amount) == amount


@FAST
@given(
    st.datetimes(min_value=datetime(2000, 1, 1), max_value=datetime(2040, 1, 1)),
    st.sampled_from(["Europe/Berlin", "America/New_York", "Australia/Lord_Howe", "UTC"]),
)
def test_a_local_time_maps_to_the_one_instant_that_shows_it_or_is_refused(
    moment: datetime, zone_name: str
) -> None:
    zone = ZoneInfo(zone_name)
    try:
        instant = to_instant(moment, zone)
    except LocalTimeError:
        early, late = moment.replace(tzinfo=zone, fold=0), moment.replace(tzinfo=zone, fold=1)
        assert early.utcoffset() != late.utcoffset()
        return
    assert instant.tzinfo is UTC
    assert instant.astimezone(zone).replace(tzinfo=None) == moment


valid_rows = st.fixed_dictionaries(
    {
        "showing_id": st.from_regex(r"\A[a-z0-9][a-z0-9_-]{0,10}\Z"),
        "theater_id": st.just("berlin-1"),
        "room_id": st.sampled_from(["r1", "r2"]),
        "movie_id": st.sampled_from([MOVIE.id, SHORT.id]),
        "starts_at": st.datetimes(
            min_value=datetime(2026, 1, 1), max_value=datetime(2027, 1, 1), timezones=st.just(UTC)
        ).map(lambda d: d.isoformat()),
        "price": st.decimals(min_value=0, max_value=999, places=2).map(str),
        "price_premium": st.one_of(
            st.just(""), st.decimals(min_value=0, max_value=99, places=2).map(str)
        ),
        "format": st.sampled_from(["", "2D", "3D", "IMAX"]),
        "language": st.sampled_from(["", "de", "en"]),
    }
)


@FAST
@given(valid_rows)
def test_a_valid_row_resolves_to_a_showing_with_an_end_after_its_start(
    values: dict[str, str],
) -> None:
    row = check_row(values, line=2)
    showing = resolve_row(
        row, Catalog(theaters={THEATER.id: THEATER}, movies={m.id: m for m in (MOVIE, SHORT)})
    )
    runtime = {MOVIE.id: MOVIE, SHORT.id: SHORT}[showing.movie_id].runtime_minutes
    assert showing.ends_at - showing.starts_at == timedelta(minutes=runtime)
    assert showing.starts_at.tzinfo is not None
    assert showing.prices[SeatCategory.STANDARD] == Decimal(values["price"])


def import_garbage(data: bytes, fmt: FeedFormat) -> None:
    """Import ``data`` into the empty catalog: a report that says what was written, or a
    documented error (nothing else) that wrote nothing."""
    storage = catalog_storage()
    before = list(storage.dump())
    try:
        report = import_showtimes(storage, lambda: NOW, io.BytesIO(data), fmt)
    except (InvalidFeed, SeatsInUse):  # the documented errors; nothing else
        assert list(storage.dump()) == before, "a refused import wrote"
        return
    landed = storage.showings(ShowingQuery(include_cancelled=True))
    assert len(landed) == report.created
    assert report.written == bool(landed)


@FAST
@given(st.binary(max_size=400), st.sampled_from(["csv", "json", "jsonl"]))
def test_any_bytes_give_a_report_or_a_documented_error(data: bytes, fmt: FeedFormat) -> None:
    import_garbage(data, fmt)


@FAST
@given(st.text(max_size=300), st.sampled_from(["csv", "jsonl"]))
def test_any_text_after_a_valid_header_gives_a_report_or_a_documented_error(
    text: str, fmt: FeedFormat
) -> None:
    head = ",".join(COLUMNS) + "\n" if fmt == "csv" else ""
    import_garbage((head + text).encode(), fmt)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.lists(valid_rows, min_size=1, max_size=12, unique_by=lambda r: r["showing_id"]),
    st.sampled_from(["csv", "json", "jsonl"]),
)
def test_whatever_lands_exports_and_imports_back_unchanged(
    rows: list[dict[str, str]], fmt: str
) -> None:
    storage = catalog_storage()
    data = b"\n".join(orjson.dumps(row) for row in rows)
    import_showtimes(storage, lambda: NOW, io.BytesIO(data), "jsonl", skip_invalid=True)
    landed = storage.showings(ShowingQuery(include_cancelled=True))
    out = io.BytesIO()
    assert export_showtimes(storage, out, fmt) == len(landed)  # type: ignore[arg-type]
    report = import_showtimes(storage, lambda: NOW, io.BytesIO(out.getvalue()), fmt)  # type: ignore[arg-type]
    assert (report.unchanged, report.created, report.updated, report.written) == (
        len(landed),
        0,
        0,
        False,
    )
