"""Checking whole showtime records: every cell of a row, with every problem at once."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from decimal import Decimal
from typing import Any

from cinema_cli.domain.feeds.cells import CHECKS, CellInvalid
from cinema_cli.domain.feeds.columns import (
    KNOWN_COLUMNS,
    REQUIRED_COLUMNS,
    FeedProblem,
    RowInvalid,
    ShowtimeRow,
)
from cinema_cli.domain.models import SeatCategory

_REQUIRED = frozenset(REQUIRED_COLUMNS)
_MISSING = object()


class RowChecker:
    """Checks showtime records one by one, remembering what each distinct cell gave.

    A nightly feed repeats the same theater, room, movie, price and start time cells
    thousands of times, and a cell's check depends on nothing but its text; so each
    distinct text is checked once per feed and its result reused (results are
    immutable values, except a genres list, which nothing mutates). Cells that are
    unique per row (``showing_id``) and values that are not text (JSON numbers,
    booleans, lists: ``True == 1`` must not share a result with ``1``) are always
    checked afresh. The memory is bounded by the feed's own distinct cells.
    """

    def __init__(self, *, strict: bool = False, columns: Iterable[str] | None = None) -> None:
        self.strict = strict
        present = KNOWN_COLUMNS if columns is None else frozenset(columns) | _REQUIRED
        # Only the columns a feed has are checked (a CSV row holds exactly its header's
        # columns; the others would be empty cells anyway); results keep their places.
        self._table: tuple[
            tuple[int, str, Callable[[object], Any], dict[str, Any] | None, bool], ...
        ] = tuple(
            (place, name, check, None if name == "showing_id" else {}, name in _REQUIRED)
            for place, (name, check) in enumerate(CHECKS)
            if name in present
        )

    def check(
        self, values: Mapping[str, object], *, line: int | None = None, record: str | None = None
    ) -> ShowtimeRow:
        """Check one record; see :func:`check_row`."""
        problems: list[FeedProblem] = []
        found: list[Any] = [None] * len(CHECKS)
        get = values.get
        for place, name, check, memo, required in self._table:
            value = get(name)
            if value is None or value == "":
                result = None  # the common empty cell: no call needed
            elif memo is not None and type(value) is str:
                result = memo.get(value, _MISSING)
                if result is _MISSING:
                    try:
                        result = check(value)
                    except CellInvalid as bad:
                        problems.append(FeedProblem(line, name, str(bad), record))
                        continue
                    memo[value] = result
            else:
                try:
                    result = check(value)
                except CellInvalid as bad:
                    problems.append(FeedProblem(line, name, str(bad), record))
                    continue
            if result is None and required:
                message = "is missing" if name not in values else "is empty"
                problems.append(FeedProblem(line, name, message, record))
            found[place] = result
        if self.strict:
            for name, value in values.items():
                if name not in KNOWN_COLUMNS and value not in (None, ""):
                    problems.append(
                        FeedProblem(line, name, "is not a known column (--strict)", record)
                    )
        if problems:
            raise RowInvalid(problems)
        (
            showing_id,
            theater_id,
            room_id,
            movie_id,
            starts,
            price,
            ends,
            premium,
            wheelchair,
            companion,
            currency,
            format_,
            language,
            movie_title,
            runtime_minutes,
            rating,
            genres,
        ) = found
        extra_prices: dict[SeatCategory, Decimal] = {}
        if premium is not None:
            extra_prices[SeatCategory.PREMIUM] = premium
        if wheelchair is not None:
            extra_prices[SeatCategory.WHEELCHAIR] = wheelchair
        if companion is not None:
            extra_prices[SeatCategory.COMPANION] = companion
        return ShowtimeRow(
            line,
            record,
            showing_id,
            theater_id,
            room_id,
            movie_id,
            starts[0],
            starts[1],
            price,
            ends[0] if ends else None,
            ends[1] if ends else "",
            extra_prices,
            currency,
            format_,
            language,
            movie_title,
            runtime_minutes,
            rating,
            genres,
        )


def check_row(
    values: Mapping[str, object],
    *,
    line: int | None = None,
    record: str | None = None,
    strict: bool = False,
) -> ShowtimeRow:
    """Check one showtime record (a CSV row or a JSON object) on its own.

    Raises :class:`RowInvalid` listing every bad field at once. Unknown columns
    with a value make the row invalid only when ``strict``; callers warn otherwise.
    A whole feed goes through one :class:`RowChecker` instead (same checks, faster).
    """
    return RowChecker(strict=strict).check(values, line=line, record=record)
