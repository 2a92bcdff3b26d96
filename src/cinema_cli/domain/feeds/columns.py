"""The columns of a showtime feed, a checked row, and what can be wrong with one."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal

from cinema_cli.domain.models import SeatCategory

REQUIRED_COLUMNS: tuple[str, ...] = (
    "showing_id",
    "theater_id",
    "room_id",
    "movie_id",
    "starts_at",
    "price",
)
PRICE_COLUMNS: dict[str, SeatCategory] = {
    "price_premium": SeatCategory.PREMIUM,
    "price_wheelchair": SeatCategory.WHEELCHAIR,
    "price_companion": SeatCategory.COMPANION,
}
OPTIONAL_COLUMNS: tuple[str, ...] = (
    "ends_at",
    *PRICE_COLUMNS,
    "currency",
    "format",
    "language",
    "movie_title",
    "runtime_minutes",
    "rating",
    "genres",
)
COLUMNS: tuple[str, ...] = REQUIRED_COLUMNS + OPTIONAL_COLUMNS
"""Every known column, in the order ``export showtimes`` writes them."""

KNOWN_COLUMNS = frozenset(COLUMNS)


@dataclass(frozen=True, slots=True)
class FeedProblem:
    """One reason a record is invalid: where (line or record), which field, why."""

    line: int | None
    field: str
    message: str
    record: str | None = None
    """For JSON documents (no line numbers): the record's place, like ``showtimes[16]``."""

    @property
    def where(self) -> str:
        if self.line is not None:
            return f"line {self.line}"
        return self.record or "feed"

    def __str__(self) -> str:
        return (
            f"{self.where}: {self.field}: {self.message}"
            if self.field
            else f"{self.where}: {self.message}"
        )


class RowInvalid(ValueError):
    """A feed record failed its checks; ``problems`` lists every failing field."""

    def __init__(self, problems: list[FeedProblem]) -> None:
        super().__init__("; ".join(str(p) for p in problems))
        self.problems = problems


@dataclass(slots=True)
class ShowtimeRow:
    """One showtime record after the checks that need no catalog (types, formats, ranges)."""

    line: int | None
    record: str | None
    showing_id: str
    theater_id: str
    room_id: str
    movie_id: str
    starts_at: datetime
    """Naive when the feed gave no offset: local time of the theater."""
    starts_at_text: str
    price: Decimal
    ends_at: datetime | None = None
    ends_at_text: str = ""
    extra_prices: dict[SeatCategory, Decimal] = field(default_factory=dict)
    currency: str | None = None
    format: str | None = None
    language: str | None = None
    movie_title: str | None = None
    runtime_minutes: int | None = None
    rating: str | None = None
    genres: list[str] | None = None

    def problem(self, field_name: str, message: str) -> FeedProblem:
        return FeedProblem(self.line, field_name, message, self.record)


def quoted(value: object, limit: int = 60) -> str:
    """``"value"`` for messages, cut short so a garbage cell cannot flood the report."""
    text = value if isinstance(value, str) else repr(value)
    if len(text) > limit:
        text = text[: limit - 1] + "…"
    return f'"{text}"'
