"""What an import decides, showing by showing: the fields a feed controls, and the plan."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import NamedTuple

from cinema_cli.domain.feeds.columns import FeedProblem
from cinema_cli.domain.models import Movie, Showing

FEED_FIELDS = (
    "theater_id",
    "room_id",
    "movie_id",
    "starts_at",
    "ends_at",
    "currency",
    "prices",
    "format",
    "language",
    "status",
)
"""The fields of a showing a feed controls, in the order :func:`showing_fields` gives them."""


def showing_fields(showing: Showing) -> tuple[object, ...]:
    """The fields a feed controls, as a tuple that compares equal for equal showings.

    Aware datetimes compare as instants and ``Decimal("9.5") == Decimal("9.50")``,
    and a ``SeatCategory`` key equals its string, so no normalising is needed.
    """
    return (
        showing.theater_id,
        showing.room_id,
        showing.movie_id,
        showing.starts_at,
        showing.ends_at,
        showing.currency,
        showing.prices,
        showing.format,
        showing.language,
        showing.status,
    )


MOVING_FIELDS = ("theater_id", "room_id", "movie_id", "starts_at", "ends_at", "currency")
"""The first fields of :data:`FEED_FIELDS`, whose changes are refused for a showing with seats
sold or held: the holders would lose their show
(or, for the currency, pay and be refunded in another money than their tickets say)."""


class Accepted(NamedTuple):
    """A feed row that resolved to a showing (a named tuple: one per row)."""

    line: int | None
    record: str | None
    showing: Showing


class Change(NamedTuple):
    """One showing the import creates, updates, leaves unchanged or cancels.

    A named tuple: an import of 100,000 rows makes 100,000 of them.
    """

    line: int | None
    record: str | None
    showing_id: str
    changed: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Refusal:
    """A change left undone because tickets are sold for the showing."""

    line: int | None
    record: str | None
    showing_id: str
    reason: str
    sold: int

    def __str__(self) -> str:
        where = (
            f"line {self.line}: "
            if self.line is not None
            else (f"{self.record}: " if self.record else "")
        )
        return f"{where}{self.showing_id}: {self.reason}"


@dataclass
class ShowtimePlan:
    """What an import decides; the service writes ``to_put`` and ``new_movies``, nothing else."""

    created: list[Change] = field(default_factory=list)
    updated: list[Change] = field(default_factory=list)
    unchanged: list[Change] = field(default_factory=list)
    cancelled: list[Change] = field(default_factory=list)
    refused: list[Refusal] = field(default_factory=list)
    kept: list[Refusal] = field(default_factory=list)
    """Showings --prune would cancel but left alone because tickets are sold."""
    invalid: list[FeedProblem] = field(default_factory=list)
    to_put: list[Showing] = field(default_factory=list)
    new_movies: list[Movie] = field(default_factory=list)
    sold: Mapping[str, int] = field(default_factory=dict)
    """The tickets-sold counts the plan depended on (checked again under the lock)."""

    @property
    def writes(self) -> bool:
        return bool(self.to_put or self.new_movies)
