"""``import showtimes``: read the feed, decide, then write it all in one transaction.

Everything is decided first (:func:`~cinema_cli.domain.feeds.plan_showtimes` is pure),
then written in one storage transaction. The decision is taken again inside the
transaction, under the write lock, so a seat sold while the feed was being read is seen;
bookings go through the same lock and are never lost. A feed that changes nothing opens
no write transaction at all.
"""

from __future__ import annotations

import gc
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import IO

from cinema_cli.domain.errors import TheaterNotFound
from cinema_cli.domain.feeds import (
    Accepted,
    Catalog,
    FeedProblem,
    Refusal,
    RowInvalid,
    ShowtimePlan,
    plan_showtimes,
    resolve_row,
)
from cinema_cli.domain.models import Showing
from cinema_cli.services import audit
from cinema_cli.services.imports.formats import FeedFormat, Progress
from cinema_cli.services.imports.report import (
    SAMPLE,
    ImportReport,
    every_row_invalid,
    invalid_feed,
    naming_storage,
    naming_storage_of_rejections,
    nothing_valid,
    seats_in_use,
)
from cinema_cli.services.imports.showtime_feed import FeedStopped, ShowtimeFeed, read_feed
from cinema_cli.services.ports.clock import Clock
from cinema_cli.services.ports.storage import Reader, ShowingQuery, Storage

_WINDOW_SLACK = timedelta(days=2)
"""Beyond any time-zone offset (< 15 h) plus the longest showing with its cleaning (< 21 h)."""


def _feed_window(feed: ShowtimeFeed) -> tuple[datetime, datetime] | None:
    """UTC instants around every row's start (local or not), wide enough for overlaps."""
    if not feed.rows:
        return None
    starts = [
        row.starts_at.replace(tzinfo=UTC) if row.starts_at.tzinfo is None else row.starts_at
        for row in feed.rows
    ]
    return min(starts) - _WINDOW_SLACK, max(starts) + _WINDOW_SLACK


def _stored_showings(
    reader: Reader, feed: ShowtimeFeed, prune_theater: str | None
) -> dict[str, Showing]:
    """The stored showings a plan depends on, by id, cancelled ones included.

    That is every showing of the theaters the feed's rows (or ``--prune``) name
    around the feed's dates, since overlaps and pruning look at whole rooms and
    days, plus any stored showing whose id the feed uses (a row may move a showing
    to another theater or day). Other theaters and other weeks are not read.
    """
    theater_ids = feed.theater_ids
    if prune_theater is not None:
        theater_ids |= {prune_theater}
    window = _feed_window(feed)
    query = ShowingQuery(
        theater_ids=theater_ids,
        include_cancelled=True,
        starts_from=window[0] if window else None,
        starts_before=window[1] if window else None,
    )
    stored = {showing.id: showing for showing in reader.showings(query)}
    elsewhere = feed.ids.difference(stored)
    if elsewhere:
        stored.update(reader.showings_by_ids(elsewhere))
    return stored


def _decide(
    reader: Reader,
    feed: ShowtimeFeed,
    *,
    prune_theater: str | None,
    now: datetime,
    before: _Decision | None = None,
) -> _Decision:
    """Resolve the rows against ``reader``'s catalog and plan the import.

    Given the decision taken before the lock (``before``), the plan is reused when
    nothing it depended on changed: same catalog, same stored showings, same
    seats-in-use counts. Otherwise everything is decided again.

    Seats in use are sold seats and live holds: a held seat may be bought any moment,
    so a showing with holds is protected like one with tickets sold.
    """

    def in_use(showing_ids: Iterable[str]) -> Mapping[str, int]:
        return reader.seats_taken(showing_ids, now)

    # Taken before any read, so that a commit landing during the reads changes it.
    version = reader.data_version()
    if (
        before is not None
        and before.version is not None
        and version == before.version
        and (not before.plan.sold or in_use(before.plan.sold) == before.plan.sold)
    ):
        return before  # no other process committed since the plan was made
    theaters = {theater.id: theater for theater in reader.theaters()}
    movies = {movie.id: movie for movie in reader.movies()}
    stored = _stored_showings(reader, feed, prune_theater)
    same_catalog = (
        before is not None
        and before.catalog.theaters == theaters
        and before.catalog.movies == movies
    )
    if (
        before is not None
        and same_catalog
        and before.stored == stored
        and (not before.plan.sold or in_use(before.plan.sold) == before.plan.sold)
    ):
        return before
    if before is not None and same_catalog:
        catalog, accepted, problems = before.catalog, before.accepted, before.problems
    else:
        catalog = Catalog(theaters=theaters, movies=movies)
        accepted = []
        problems = []
        for row in feed.rows:
            try:
                accepted.append(Accepted(row.line, row.record, resolve_row(row, catalog)))
            except RowInvalid as invalid:
                problems.extend(invalid.problems)
    prune = None
    if prune_theater is not None:
        prune = catalog.theaters.get(prune_theater)
        if prune is None:
            raise TheaterNotFound(
                f"--prune: no theater has id {prune_theater!r}", theater_id=prune_theater
            )
    plan = plan_showtimes(
        accepted,
        stored,
        in_use,
        catalog,
        invalid=feed.problems + problems,
        feed_ids=feed.ids,
        prune=prune,
    )
    plan.invalid = _in_feed_order(plan.invalid)
    return _Decision(plan, catalog, accepted, problems, stored, version)


@dataclass
class _Decision:
    plan: ShowtimePlan
    catalog: Catalog
    accepted: list[Accepted]
    problems: list[FeedProblem]
    stored: dict[str, Showing]
    version: int | None
    """The store's data version when the decision's reads began (``None``: unknown)."""


def _in_feed_order(problems: list[FeedProblem]) -> list[FeedProblem]:
    def key(problem: FeedProblem) -> tuple[int, int, str]:
        if problem.record is not None:
            head, _, tail = problem.record.rpartition("[")
            number = int(tail.rstrip("]")) if tail.rstrip("]").isdigit() else 0
            return (0, number, head)
        return (problem.line or 0, 0, "")

    return sorted(problems, key=key)


def _report_of(
    plan: ShowtimePlan, feed: ShowtimeFeed, catalog: Catalog, *, dry_run: bool
) -> ImportReport:
    return ImportReport(
        created=len(plan.created),
        updated=len(plan.updated),
        unchanged=len(plan.unchanged),
        cancelled=len(plan.cancelled),
        invalid=plan.invalid,
        refused=plan.refused,
        kept=plan.kept,
        warnings=feed.warnings + catalog.warnings,
        first={
            "created": plan.created[:SAMPLE],
            "updated": plan.updated[:SAMPLE],
            "unchanged": plan.unchanged[:SAMPLE],
            "cancelled": plan.cancelled[:SAMPLE],
        },
        by_kind={"movies": {"created": len(plan.new_movies)}} if plan.new_movies else {},
        rows=feed.count,
        dry_run=dry_run,
    )


def _refusal_texts(refusals: list[Refusal]) -> list[str]:
    return [str(refusal) for refusal in refusals]


def import_showtimes(
    storage: Storage,
    clock: Clock,
    source: IO[bytes],
    format: FeedFormat,
    *,
    strict: bool = False,
    skip_invalid: bool = False,
    dry_run: bool = False,
    prune_theater: str | None = None,
    feed_name: str = "-",
    progress: Progress | None = None,
) -> ImportReport:
    """Import a showtime feed (CSV, JSON or JSON Lines) read from ``source`` (binary).

    Raises :class:`FeedRejected` (an ``InvalidFeed``, exit 6) when any row is invalid,
    and :class:`ChangesRefused` (a ``SeatsInUse``, exit 4) when a row would move a
    showing with tickets sold; then nothing is written. With ``skip_invalid`` the other rows are
    written and both kinds are listed in the report. ``dry_run`` writes nothing.
    """
    with _bulk_work(), naming_storage_of_rejections(storage.url):
        report = _import_showtimes(
            storage,
            clock,
            source,
            format,
            strict=strict,
            skip_invalid=skip_invalid,
            dry_run=dry_run,
            prune_theater=prune_theater,
            feed_name=feed_name,
            progress=progress,
        )
    return naming_storage(report, storage.url)


@contextmanager
def _bulk_work() -> Iterator[None]:
    """Pause the cyclic garbage collector while an import works.

    An import keeps hundreds of thousands of small containers alive (rows, showings,
    stored records); each collection of the oldest generation walks all of them, and
    measured at 100,000 rows that was a third of the import's CPU time. The import
    makes no reference cycles worth collecting (reference counting frees its garbage),
    and collection resumes when it ends, however it ends.
    """
    if not gc.isenabled():
        yield
        return
    gc.disable()
    try:
        yield
    finally:
        gc.enable()


def _import_showtimes(
    storage: Storage,
    clock: Clock,
    source: IO[bytes],
    format: FeedFormat,
    *,
    strict: bool,
    skip_invalid: bool,
    dry_run: bool,
    prune_theater: str | None,
    feed_name: str,
    progress: Progress | None,
) -> ImportReport:
    try:
        feed = read_feed(source, format, strict=strict, progress=progress)
    except FeedStopped as stopped:
        report = ImportReport(
            invalid=_in_feed_order(stopped.feed.problems),
            warnings=stopped.feed.warnings,
            rows=stopped.feed.count,
            dry_run=dry_run,
        )
        raise invalid_feed(report, feed_name) from None

    decision = _decide(storage, feed, prune_theater=prune_theater, now=clock())
    plan, catalog = decision.plan, decision.catalog
    _check_outcome(plan, feed, catalog, skip_invalid=skip_invalid, dry_run=dry_run, name=feed_name)
    if dry_run or not plan.writes:
        return _report_of(plan, feed, catalog, dry_run=dry_run)

    with storage.transaction() as tx:
        # Decide again under the write lock: tickets may have been sold, or another
        # import may have landed, while the feed was being read.
        decision = _decide(tx, feed, prune_theater=prune_theater, now=clock(), before=decision)
        plan, catalog = decision.plan, decision.catalog
        _check_outcome(
            plan, feed, catalog, skip_invalid=skip_invalid, dry_run=False, name=feed_name
        )
        report = _report_of(plan, feed, catalog, dry_run=False)
        if plan.writes:
            if plan.new_movies:
                tx.put_movies(plan.new_movies)
            tx.put_showings(plan.to_put)
            audit.record(
                tx,
                at=clock(),
                action="import",
                subject=f"feed:{feed_name}",
                actor="import",
                kind="showtimes",
                created=report.created,
                updated=report.updated,
                cancelled=report.cancelled,
                invalid=len(report.invalid),
                refused=len(report.refused),
            )
            report.written = True
    return report


def _check_outcome(
    plan: ShowtimePlan,
    feed: ShowtimeFeed,
    catalog: Catalog,
    *,
    skip_invalid: bool,
    dry_run: bool,
    name: str,
) -> None:
    if skip_invalid:
        if plan.invalid:
            report = _report_of(plan, feed, catalog, dry_run=dry_run)
            if every_row_invalid(report):
                raise nothing_valid(report, name)
        return
    if plan.invalid:
        raise invalid_feed(_report_of(plan, feed, catalog, dry_run=dry_run), name)
    if plan.refused:
        report = _report_of(plan, feed, catalog, dry_run=dry_run)
        raise seats_in_use(report, name, _refusal_texts(plan.refused))
