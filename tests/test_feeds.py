"""Properties of the feed rules and readers: garbage in gives documented errors, never a crash."""

from __future__ import annotations

import contextlib
import io
from datetime import UTC, datetime, timedelta
from decimal import Decimal
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
    RowInvalid,
    check_row,
    parse_amount,
    resolve_row,
    to_instant,
)
from cinema_cli.domain.schemas import Amount, Currency, Id
from cinema_cli.services.imports import export_showtimes, import_showtimes
from cinema_cli.storage.base import ShowingQuery
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
    try:
        row = check_row(values, line=7)
    except RowInvalid as invalid:
        assert invalid.problems
        assert all(
            problem.line == 7 and problem.field and problem.message for problem in invalid.problems
        )
        return
    for name in ("showing_id", "theater_id", "room_id", "movie_id"):
        ID.validate_python(getattr(row, name))
    AMOUNT.validate_python(row.price)
    for amount in row.extra_prices.values():
        AMOUNT.validate_python(amount)
    if row.currency is not None:
        CURRENCY.validate_python(row.currency)


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
    assert showing.prices["standard"] == Decimal(values["price"])


@FAST
@given(st.binary(max_size=400), st.sampled_from(["csv", "json", "jsonl"]))
def test_any_bytes_give_a_report_or_a_documented_error(data: bytes, fmt: str) -> None:
    with contextlib.suppress(InvalidFeed, SeatsInUse):  # the documented errors; nothing else
        import_showtimes(catalog_storage(), lambda: NOW, io.BytesIO(data), fmt)  # type: ignore[arg-type]


@FAST
@given(st.text(max_size=300), st.sampled_from(["csv", "jsonl"]))
def test_any_text_after_a_valid_header_gives_a_report_or_a_documented_error(
    text: str, fmt: str
) -> None:
    head = ",".join(COLUMNS) + "\n" if fmt == "csv" else ""
    feed = io.BytesIO((head + text).encode())
    with contextlib.suppress(InvalidFeed, SeatsInUse):  # the documented errors; nothing else
        import_showtimes(catalog_storage(), lambda: NOW, feed, fmt)  # type: ignore[arg-type]


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
