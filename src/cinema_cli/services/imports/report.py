"""What an import did, as a typed result, and the errors that refuse a whole feed.

The documented ``--json`` shape of a report is built by :mod:`cinema_cli.present.imports`.
"""

from __future__ import annotations

import shlex
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import NamedTuple

from cinema_cli.domain.errors import CinemaError, InvalidFeed, SeatsInUse
from cinema_cli.domain.feeds import Change, FeedProblem, Refusal

SAMPLE = 10
"""How many rows of each outcome a report lists (counts are always complete)."""


class CatalogChange(NamedTuple):
    """One city, theater or movie that ``import theaters`` creates, updates or leaves."""

    kind: str
    """``cities``, ``theaters`` or ``movies``, as in ``by_kind``."""
    id: str


@dataclass(frozen=True, slots=True)
class LostSeats:
    """Seats sold for a showing still to come that a theater's new layout would remove."""

    theater_id: str
    room_id: str
    showing_id: str
    seats: tuple[str, ...]


@dataclass
class ImportReport:
    """What an import did (or, with ``dry_run``, would do)."""

    created: int = 0
    updated: int = 0
    unchanged: int = 0
    cancelled: int = 0
    invalid: list[FeedProblem] = field(default_factory=list)
    refused: Sequence[Refusal | LostSeats] = ()
    """Showtimes: rows left undone (tickets sold). Theaters: layouts that drop sold seats."""
    kept: Sequence[Refusal] = ()
    """Showings ``--prune`` left scheduled because tickets are sold."""
    warnings: list[str] = field(default_factory=list)
    first: dict[str, Sequence[Change | CatalogChange]] = field(default_factory=dict)
    """The first :data:`SAMPLE` of each outcome (``created``, ``updated``...)."""
    by_kind: dict[str, dict[str, int]] = field(default_factory=dict)
    """Counts per kind of record: ``{"theaters": {"created": 1, ...}, ...}``."""
    rows: int = 0
    dry_run: bool = False
    written: bool = False
    storage: str = ""
    """The storage the import read and wrote (its URL without a password)."""

    @property
    def invalid_rows(self) -> int:
        """How many rows are invalid (one row may have several problems)."""
        return len({(problem.line, problem.record) for problem in self.invalid})


def naming_storage(report: ImportReport, url: str) -> ImportReport:
    """``report`` with the storage it was made against named (a password never shows)."""
    from cinema_cli.services.admin import display_url

    report.storage = display_url(url)
    return report


@contextmanager
def naming_storage_of_rejections(url: str) -> Iterator[None]:
    """An import refused as a whole names the storage it was checked against, too."""
    try:
        yield
    except ImportRejected as error:
        naming_storage(error.report, url)
        raise


class ImportRejected(CinemaError):
    """An import refused as a whole; nothing was written. ``report`` holds everything found.

    The front doors put the report's documented shape into the error's ``details``
    (:func:`cinema_cli.present.imports.rejection_details`), before the ``hint``.
    """

    def __init__(self, message: str, report: ImportReport, *, hint: str) -> None:
        super().__init__(message, hint=hint)
        self.report = report


class FeedRejected(InvalidFeed, ImportRejected):
    """A feed with invalid rows, or one that cannot be read (exit 6)."""


class ChangesRefused(SeatsInUse, ImportRejected):
    """Changes refused because tickets are sold for the showings they touch (exit 4)."""


def _listed(lines: list[str], limit: int = 20) -> str:
    shown = [f"  {line}" for line in lines[:limit]]
    if len(lines) > limit:
        shown.append(f"  ... and {len(lines) - limit} more (--json lists them all)")
    return "\n".join(shown)


def invalid_feed(report: ImportReport, name: str, *, theaters: bool = False) -> FeedRejected:
    """The error for a feed with invalid rows (exit 6), naming the first problems."""
    whole = [p for p in report.invalid if p.line is None and p.record is None]
    if whole or report.rows == 0:  # the feed as a whole cannot be read: no row to skip
        return FeedRejected(
            f"{name}: the feed cannot be used; nothing was written\n"
            + _listed([str(p) for p in whole or report.invalid]),
            report,
            hint="check the file and its --format",
        )
    rows = len({(p.line, p.record) for p in report.invalid})
    noun = "record" if theaters else "row"
    return FeedRejected(
        f"{name}: {rows} invalid {noun}{'' if rows == 1 else 's'}; nothing was written\n"
        + _listed([str(p) for p in report.invalid]),
        report,
        # Theater feeds are all or nothing: a half-known room is worse than none.
        hint=f"fix them, then run `cinema import theaters {shlex.quote(name)}` again"
        if theaters
        else "fix the rows, or import the valid ones with "
        f"`cinema import showtimes {shlex.quote(name)} --skip-invalid`",
    )


def nothing_valid(report: ImportReport, name: str) -> FeedRejected:
    """The error for a feed whose every row is invalid, even with ``--skip-invalid`` (exit 6):
    importing nothing is not a success."""
    return FeedRejected(
        f"{name}: all {report.rows} rows are invalid; nothing was written\n"
        + _listed([str(p) for p in report.invalid]),
        report,
        hint=f"fix the rows, then run `cinema import showtimes {shlex.quote(name)}` again",
    )


def every_row_invalid(report: ImportReport) -> bool:
    """Whether every row the feed had is invalid (and there was at least one)."""
    return report.rows > 0 and report.invalid_rows >= report.rows


def seats_in_use(
    report: ImportReport, name: str, refusals: list[str], *, theaters: bool = False
) -> ChangesRefused:
    """The error for changes refused because tickets are sold (exit 4)."""
    return ChangesRefused(
        f"{name}: {len(refusals)} {'change' if len(refusals) == 1 else 'changes'} refused because "
        "tickets are sold; nothing was written\n" + _listed(refusals),
        report,
        # A theater feed is all or nothing (no --skip-invalid): only the feed can change.
        hint="keep the sold seats in the room's layout, then run "
        f"`cinema import theaters {shlex.quote(name)}` again"
        if theaters
        else "change the feed, or import the rest with "
        f"`cinema import showtimes {shlex.quote(name)} --skip-invalid`",
    )
