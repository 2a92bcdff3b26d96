"""``import theaters``: cities, theaters (rooms, seat layouts) and movies, all or nothing.

A room's new layout may not drop seats sold (or held) for showings still to come.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import IO, Any

from cinema_cli.domain.feeds import FeedProblem
from cinema_cli.domain.models import Theater
from cinema_cli.services import audit
from cinema_cli.services.imports.catalog_feed import CatalogFeed, read_catalog
from cinema_cli.services.imports.export import as_datetime
from cinema_cli.services.imports.formats import FeedFormat
from cinema_cli.services.imports.report import (
    SAMPLE,
    CatalogChange,
    ImportReport,
    LostSeats,
    invalid_feed,
    naming_storage,
    naming_storage_of_rejections,
    seats_in_use,
)
from cinema_cli.services.ports.clock import Clock
from cinema_cli.services.ports.storage import Reader, ShowingQuery, Storage


def _sold_seats_lost(
    reader: Reader, new: Theater, now: datetime
) -> tuple[list[LostSeats], list[str]]:
    """Seats with tickets sold for showings still to come that ``new`` would remove.

    Seat ids are compared: a sold seat's id must still exist in its room's new
    layout. A sold seat that changes category (or becomes blocked) is allowed,
    since the ticket keeps the category and price it was sold with; it is
    reported as a warning.
    """
    old = reader.theater(new.id)
    if old is None:
        return [], []
    showings = [
        s
        for s in reader.showings(
            ShowingQuery(theater_ids=frozenset({new.id}), include_cancelled=True)
        )
        if as_datetime(s.ends_at) > now
    ]
    if not showings:
        return [], []
    # Live holds count like sales: a held seat may be bought at any moment.
    sold = reader.seats_taken((s.id for s in showings), now)
    lost: list[LostSeats] = []
    warnings: list[str] = []
    new_rooms = {room.id: room for room in new.rooms}
    for showing in showings:
        if sold.get(showing.id, 0) == 0:
            continue
        room = new_rooms.get(showing.room_id)
        seats = room.seats_by_id if room is not None else {}
        old_room = old.room(showing.room_id)
        sold_seats = sorted(
            {claim.seat_id for claim in reader.claims(showing.id) if claim.is_live(now)}
        )
        missing = [seat for seat in sold_seats if seat not in seats]
        if missing:
            lost.append(LostSeats(new.id, showing.room_id, showing.id, tuple(missing)))
        for seat_id in sold_seats:
            if seat_id in seats and old_room is not None and seat_id in old_room.seats_by_id:
                before, after = old_room.seats_by_id[seat_id], seats[seat_id]
                if (before.category, before.blocked) != (after.category, after.blocked):
                    warnings.append(
                        f"{new.id}/{showing.room_id}: sold seat {seat_id} of showing {showing.id} "
                        f"becomes {'blocked ' if after.blocked else ''}{after.category}; "
                        "its ticket keeps what was sold"
                    )
    return lost, warnings


@dataclass
class _CatalogPlan:
    changes: dict[str, dict[str, list[str]]]
    lost: list[LostSeats]
    warnings: list[str]
    problems: list[FeedProblem]

    @property
    def writes(self) -> bool:
        return any(
            self.changes[kind]["created"] or self.changes[kind]["updated"] for kind in self.changes
        )


def _plan_catalog(reader: Reader, feed: CatalogFeed, now: datetime) -> _CatalogPlan:
    stored_cities = {c.id: c for c in reader.cities()}
    stored_theaters = {t.id: t for t in reader.theaters()}
    stored_movies = {m.id: m for m in reader.movies()}
    problems: list[FeedProblem] = []
    for theater in feed.theaters.values():
        if theater.city_id not in feed.cities and theater.city_id not in stored_cities:
            problems.append(
                FeedProblem(
                    None, "city_id", f"theater {theater.id}: unknown city {theater.city_id!r}"
                )
            )
    changes: dict[str, dict[str, list[str]]] = {}
    pairs: list[tuple[str, Mapping[str, Any], Mapping[str, Any]]] = [
        ("cities", feed.cities, stored_cities),
        ("theaters", feed.theaters, stored_theaters),
        ("movies", feed.movies, stored_movies),
    ]
    for kind, fed, stored in pairs:
        outcome: dict[str, list[str]] = {"created": [], "updated": [], "unchanged": []}
        for item_id, item in fed.items():
            old = stored.get(item_id)
            if old is None:
                outcome["created"].append(item_id)
            elif old != item:
                outcome["updated"].append(item_id)
            else:
                outcome["unchanged"].append(item_id)
        changes[kind] = outcome
    lost: list[LostSeats] = []
    warnings: list[str] = []
    for theater_id in changes["theaters"]["updated"]:
        theater_lost, theater_warnings = _sold_seats_lost(reader, feed.theaters[theater_id], now)
        lost += theater_lost
        warnings += theater_warnings
        old = stored_theaters[theater_id]
        new_rooms = {room.id for room in feed.theaters[theater_id].rooms}
        for room in old.rooms:
            room_id = room.id
            if room_id not in new_rooms:
                warnings.append(f"{theater_id}: room {room_id} is not in the feed and is removed")
    return _CatalogPlan(changes, lost, warnings, problems)


def _catalog_report(plan: _CatalogPlan, feed: CatalogFeed, *, dry_run: bool) -> ImportReport:
    kinds = plan.changes
    return ImportReport(
        created=sum(len(kinds[k]["created"]) for k in kinds),
        updated=sum(len(kinds[k]["updated"]) for k in kinds),
        unchanged=sum(len(kinds[k]["unchanged"]) for k in kinds),
        invalid=feed.problems + plan.problems,
        refused=plan.lost,
        warnings=plan.warnings,
        first={
            outcome: [
                CatalogChange(kind, item_id) for kind in kinds for item_id in kinds[kind][outcome]
            ][:SAMPLE]
            for outcome in ("created", "updated", "unchanged")
        },
        by_kind={kind: {k: len(v) for k, v in outcome.items()} for kind, outcome in kinds.items()},
        rows=feed.count,
        dry_run=dry_run,
    )


def import_theaters(
    storage: Storage,
    clock: Clock,
    source: IO[bytes],
    format: FeedFormat,
    *,
    dry_run: bool = False,
    feed_name: str = "-",
) -> ImportReport:
    """Import cities, theaters (rooms, seat layouts) and movies from JSON or JSON Lines.

    Raises :class:`FeedRejected` (an ``InvalidFeed``, exit 6) when any record is
    invalid and :class:`ChangesRefused` (a ``SeatsInUse``, exit 4) when a room's new
    layout would drop seats sold for showings still to come; then nothing is written.
    """
    with naming_storage_of_rejections(storage.url):
        report = _import_theaters(
            storage, clock, source, format, dry_run=dry_run, feed_name=feed_name
        )
    return naming_storage(report, storage.url)


def _import_theaters(
    storage: Storage,
    clock: Clock,
    source: IO[bytes],
    format: FeedFormat,
    *,
    dry_run: bool,
    feed_name: str,
) -> ImportReport:
    feed = read_catalog(source, format)
    now = clock()
    plan = _plan_catalog(storage, feed, now)
    _check_catalog(plan, feed, dry_run=dry_run, name=feed_name)
    report = _catalog_report(plan, feed, dry_run=dry_run)
    if dry_run or not plan.writes:
        return report
    with storage.transaction() as tx:
        plan = _plan_catalog(tx, feed, now)
        _check_catalog(plan, feed, dry_run=False, name=feed_name)
        report = _catalog_report(plan, feed, dry_run=False)
        if plan.writes:
            for city_id in plan.changes["cities"]["created"] + plan.changes["cities"]["updated"]:
                tx.put_city(feed.cities[city_id])
            for theater_id in (
                plan.changes["theaters"]["created"] + plan.changes["theaters"]["updated"]
            ):
                tx.put_theater(feed.theaters[theater_id])
            movie_ids = plan.changes["movies"]["created"] + plan.changes["movies"]["updated"]
            if movie_ids:
                tx.put_movies(feed.movies[movie_id] for movie_id in movie_ids)
            audit.record(
                tx,
                at=now,
                action="import",
                subject=f"feed:{feed_name}",
                actor="import",
                kind="theaters",
                **report.by_kind,
            )
            report.written = True
    return report


def _check_catalog(plan: _CatalogPlan, feed: CatalogFeed, *, dry_run: bool, name: str) -> None:
    report = _catalog_report(plan, feed, dry_run=dry_run)
    if report.invalid:
        raise invalid_feed(report, name, theaters=True)
    if plan.lost:
        texts = [
            f"{item.theater_id}/{item.room_id}: showing {item.showing_id} has tickets "
            f"for {', '.join(item.seats)}, which the new layout removes"
            for item in plan.lost
        ]
        raise seats_in_use(report, name, texts, theaters=True)
