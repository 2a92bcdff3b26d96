"""Rules for programme feeds: showtime columns, row checks, local times, and the import plan.

Pure: no I/O. The service (:mod:`cinema_cli.services.imports`) reads the feed,
hands each record here as a mapping of column -> value, and writes what the
plan decides. Row checks are hand-written rather than pydantic because a
nightly feed has 100,000 rows and this is the hot path; every showing they
build holds to the boundary types of :mod:`cinema_cli.domain.schemas` (the
property tests check it with pydantic).

Times: ``starts_at`` / ``ends_at`` without a UTC offset are the theater's
local time. A local time the clocks skip (spring forward) or pass twice (fall
back) is refused for that row rather than guessed. ``ends_at`` defaults to
``starts_at + runtime``; the room stays busy until ``ends_at`` plus the
theater's ``cleaning_minutes``, and two showings in one room may not overlap
that span.

Modules: :mod:`.columns` (the columns, a checked row, a problem), :mod:`.cells` (one cell's
check), :mod:`.rows` (a whole record), :mod:`.local_time`, :mod:`.resolve` (row to showing),
:mod:`.changes` (what a plan holds), :mod:`.overlaps` (rooms), :mod:`.plan`.
"""

from cinema_cli.domain.feeds.cells import parse_amount, parse_local_datetime
from cinema_cli.domain.feeds.changes import (
    FEED_FIELDS,
    MOVING_FIELDS,
    Accepted,
    Change,
    Refusal,
    ShowtimePlan,
    showing_fields,
)
from cinema_cli.domain.feeds.columns import (
    COLUMNS,
    KNOWN_COLUMNS,
    OPTIONAL_COLUMNS,
    PRICE_COLUMNS,
    REQUIRED_COLUMNS,
    FeedProblem,
    RowInvalid,
    ShowtimeRow,
    quoted,
)
from cinema_cli.domain.feeds.local_time import LocalTimeError, to_instant, zone_of
from cinema_cli.domain.feeds.plan import plan_showtimes
from cinema_cli.domain.feeds.resolve import Catalog, resolve_row
from cinema_cli.domain.feeds.rows import RowChecker, check_row

__all__ = [
    "COLUMNS",
    "FEED_FIELDS",
    "KNOWN_COLUMNS",
    "MOVING_FIELDS",
    "OPTIONAL_COLUMNS",
    "PRICE_COLUMNS",
    "REQUIRED_COLUMNS",
    "Accepted",
    "Catalog",
    "Change",
    "FeedProblem",
    "LocalTimeError",
    "Refusal",
    "RowChecker",
    "RowInvalid",
    "ShowtimePlan",
    "ShowtimeRow",
    "check_row",
    "parse_amount",
    "parse_local_datetime",
    "plan_showtimes",
    "quoted",
    "resolve_row",
    "showing_fields",
    "to_instant",
    "zone_of",
]
