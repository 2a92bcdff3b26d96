"""The import plan: create, update, leave, cancel, refuse, or reject each showing."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import replace
from datetime import UTC, datetime
from typing import NamedTuple

from cinema_cli.domain.feeds.changes import (
    FEED_FIELDS,
    MOVING_FIELDS,
    Accepted,
    Change,
    Refusal,
    ShowtimePlan,
    showing_fields,
)
from cinema_cli.domain.feeds.columns import FeedProblem
from cinema_cli.domain.feeds.overlaps import reject_overlaps
from cinema_cli.domain.feeds.resolve import Catalog
from cinema_cli.domain.models import Showing, ShowingStatus, Theater

_MOVING = len(MOVING_FIELDS)  # the first fields of FEED_FIELDS


def _instant(value: datetime) -> datetime:
    return value.astimezone(UTC)


def plan_showtimes(
    accepted: list[Accepted],
    stored: Mapping[str, Showing],
    sold_counts: Callable[[Iterable[str]], Mapping[str, int]],
    catalog: Catalog,
    *,
    invalid: list[FeedProblem],
    feed_ids: set[str],
    prune: Theater | None = None,
) -> ShowtimePlan:
    """Decide what an import does: create, update, leave, cancel, refuse, or reject each showing.

    ``accepted`` are the rows that passed :func:`check_row` and :func:`resolve_row`;
    ``invalid`` the problems found so far (more are added: overlaps). ``feed_ids``
    holds every showing id the feed mentions, valid or not, so --prune never cancels a
    showing whose row was merely invalid. ``sold_counts`` is called once.
    """
    plan = ShowtimePlan(invalid=list(invalid))
    compared = _compare(accepted, stored)
    prune_candidates: list[Showing] = []
    if prune is not None:
        prune_candidates = _prune_candidates(prune, accepted, stored, feed_ids, catalog)
    asked = compared.moving | {s.id for s in prune_candidates}
    sold = plan.sold = dict(sold_counts(asked)) if asked else {}
    live = _refuse_moves(accepted, compared, sold, plan)
    cancelling = _cancel_or_keep(prune_candidates, sold, plan)

    reject_overlaps(live, stored, cancelling, catalog, plan)

    fields_of, stored_fields, same = compared.fields, compared.stored_fields, compared.same
    for index, item in enumerate(accepted):
        if live[index] is None:
            continue
        showing_id = item.showing.id
        if showing_id in same:
            plan.unchanged.append(Change(item.line, item.record, showing_id))
            continue
        old_fields = stored_fields.get(showing_id)
        if old_fields is None:
            plan.created.append(Change(item.line, item.record, showing_id))
        else:
            changed = tuple(
                name
                for name, new, old in zip(
                    FEED_FIELDS, fields_of[showing_id], old_fields, strict=True
                )
                if new != old
            )
            plan.updated.append(Change(item.line, item.record, showing_id, changed))
        plan.to_put.append(item.showing)
    for showing in cancelling.values():
        plan.cancelled.append(Change(None, None, showing.id, ("status",)))
        plan.to_put.append(replace(showing, status=ShowingStatus.CANCELLED))
    used_movies = {item.showing.movie_id for item in live if item is not None}
    plan.new_movies = [
        movie for movie_id, movie in catalog.new_movies.items() if movie_id in used_movies
    ]
    return plan


class _Compared(NamedTuple):
    """The feed's showings against the stored ones, by id."""

    fields: dict[str, tuple[object, ...]]
    """The feed's fields of every showing already stored."""
    stored_fields: dict[str, tuple[object, ...]]
    same: set[str]
    """Stored showings the feed leaves exactly as they are."""
    moving: set[str]
    """Stored showings the feed moves (time, room, movie, currency)."""


def _compare(accepted: list[Accepted], stored: Mapping[str, Showing]) -> _Compared:
    compared = _Compared({}, {}, set(), set())
    fields_of, stored_fields, same, moving = compared
    for item in accepted:
        old = stored.get(item.showing.id)
        if old is not None:  # a new showing has nothing to compare with
            new = fields_of[old.id] = showing_fields(item.showing)
            before = stored_fields[old.id] = showing_fields(old)
            if before == new:
                same.add(old.id)  # the common case of a nightly re-run
            elif before[:_MOVING] != new[:_MOVING]:
                moving.add(old.id)
    return compared


def _refuse_moves(
    accepted: list[Accepted], compared: _Compared, sold: Mapping[str, int], plan: ShowtimePlan
) -> list[Accepted | None]:
    """The rows still live: a row that would move a showing with seats sold or held is
    refused (``None``), and the showing stays put."""
    live: list[Accepted | None] = list(accepted)
    moving = compared.moving
    for index, item in enumerate(accepted if moving else ()):
        showing_id = item.showing.id
        if showing_id in moving and sold.get(showing_id, 0) > 0:
            before, after = compared.stored_fields[showing_id], compared.fields[showing_id]
            what = [name for i, name in enumerate(MOVING_FIELDS) if before[i] != after[i]]
            plan.refused.append(
                Refusal(
                    item.line,
                    item.record,
                    showing_id,
                    f"{sold[showing_id]} seats sold or held; the feed changes {', '.join(what)}",
                    sold[showing_id],
                )
            )
            live[index] = None
    return live


def _cancel_or_keep(
    candidates: list[Showing], sold: Mapping[str, int], plan: ShowtimePlan
) -> dict[str, Showing]:
    """The --prune candidates to cancel; those with seats sold or held are kept (noted)."""
    cancelling: dict[str, Showing] = {}
    for showing in candidates:
        count = sold.get(showing.id, 0)
        if count > 0:
            plan.kept.append(
                Refusal(
                    None,
                    None,
                    showing.id,
                    f"not in the feed but {count} seats sold or held; left scheduled",
                    count,
                )
            )
        else:
            cancelling[showing.id] = showing
    return cancelling


def _prune_candidates(
    theater: Theater,
    accepted: list[Accepted],
    stored: Mapping[str, Showing],
    feed_ids: set[str],
    catalog: Catalog,
) -> list[Showing]:
    """Scheduled showings of ``theater`` on the feed's local days that the feed does not mention."""
    zone = catalog.zone(theater)
    days = [
        _instant(item.showing.starts_at).astimezone(zone).date()
        for item in accepted
        if item.showing.theater_id == theater.id
    ]
    if not days:
        catalog.warnings.append(
            f"--prune {theater.id}: the feed has no valid rows for this theater; nothing cancelled"
        )
        return []
    first, last = min(days), max(days)
    found = []
    for showing in stored.values():
        if (
            showing.theater_id == theater.id
            and str(showing.status) == ShowingStatus.SCHEDULED
            and showing.id not in feed_ids
            and first <= _instant(showing.starts_at).astimezone(zone).date() <= last
        ):
            found.append(showing)
    return sorted(found, key=lambda s: (_instant(s.starts_at), s.id))
