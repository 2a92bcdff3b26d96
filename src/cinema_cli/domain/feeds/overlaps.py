"""No two showings in one room may overlap, cleaning included: feed rows that would are
rejected, and a rejected row's stored showing stays where it was."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Mapping
from datetime import datetime, timedelta
from operator import itemgetter
from typing import NamedTuple

from cinema_cli.domain.feeds.changes import Accepted, ShowtimePlan
from cinema_cli.domain.feeds.columns import FeedProblem
from cinema_cli.domain.feeds.resolve import Catalog
from cinema_cli.domain.models import Showing, ShowingStatus
from cinema_cli.domain.times import zone_label


class _Slot(NamedTuple):
    """A showing's hold on a room: from its start until its end plus cleaning.

    A named tuple rather than a dataclass: an import builds one per showing in
    every room it touches (130,000 at scale M), and tuples are cheap to make.
    """

    start: datetime
    busy_until: datetime
    showing_id: str
    row: int | None
    """Position in the accepted rows, or None for a stored showing the feed leaves alone."""


_SLOT_ORDER = itemgetter(0, 1, 2)
"""Slots in time order (start, busy until, id); ``row`` never takes part."""


def reject_overlaps(
    live: list[Accepted | None],
    stored: Mapping[str, Showing],
    cancelling: Mapping[str, Showing],
    catalog: Catalog,
    plan: ShowtimePlan,
) -> None:
    """Mark feed rows invalid while any two showings in one room overlap (cleaning included).

    A rejected row leaves its stored showing (if any) where it was, which may clash
    with another row, so rooms are checked again until nothing changes.
    """
    fed_ids = {item.showing.id: index for index, item in enumerate(live) if item is not None}
    by_room: dict[tuple[str, str], list[_Slot]] = defaultdict(list)

    cleaning = {
        theater_id: timedelta(minutes=theater.cleaning_minutes)
        for theater_id, theater in catalog.theaters.items()
    }

    def slot(showing: Showing, index: int | None) -> _Slot:
        # Aware datetimes sort as instants whatever their zone: no conversion needed.
        return _Slot(
            showing.starts_at, showing.ends_at + cleaning[showing.theater_id], showing.id, index
        )

    rooms_to_check: set[tuple[str, str]] = set()
    for index, item in enumerate(live):
        if item is not None:
            key = (item.showing.theater_id, item.showing.room_id)
            by_room[key].append(slot(item.showing, index))
            rooms_to_check.add(key)
    for showing in stored.values():
        if (
            showing.id in fed_ids
            or showing.id in cancelling
            or showing.status != ShowingStatus.SCHEDULED
            or showing.theater_id not in catalog.theaters
        ):
            continue
        by_room[(showing.theater_id, showing.room_id)].append(slot(showing, None))

    while rooms_to_check:
        key = rooms_to_check.pop()
        slots = sorted(by_room[key], key=_SLOT_ORDER)
        holder: _Slot | None = None
        for current in slots:
            if holder is None or current.start >= holder.busy_until:
                holder = (
                    current if holder is None or current.busy_until > holder.busy_until else holder
                )
                continue
            if current.row is None and holder.row is None:
                # Two stored showings clashed before this import: not this feed's fault.
                holder = current if current.busy_until > holder.busy_until else holder
                continue
            loser, other = (current, holder) if current.row is not None else (holder, current)
            if (
                current.row is not None
                and holder.row is not None
                and _line_key(live[holder.row]) > _line_key(live[current.row])
            ):
                loser, other = holder, current
            _reject(loser, other, live, by_room, key, stored, rooms_to_check, catalog, plan, slot)
            rooms_to_check.add(key)
            break


def _line_key(item: Accepted | None) -> tuple[int, str]:
    assert item is not None
    return (item.line if item.line is not None else 0, item.record or "")


def _reject(
    loser: _Slot,
    other: _Slot,
    live: list[Accepted | None],
    by_room: dict[tuple[str, str], list[_Slot]],
    key: tuple[str, str],
    stored: Mapping[str, Showing],
    rooms_to_check: set[tuple[str, str]],
    catalog: Catalog,
    plan: ShowtimePlan,
    slot: Callable[[Showing, int | None], _Slot],
) -> None:
    assert loser.row is not None
    item = live[loser.row]
    assert item is not None
    theater = catalog.theaters[key[0]]
    zone = catalog.zone(theater)
    if other.row is not None:
        other_item = live[other.row]
        assert other_item is not None
        where = (
            f"line {other_item.line}" if other_item.line is not None else (other_item.record or "")
        )
        what = f"showing {other.showing_id} ({where})"
    else:
        what = f"showing {other.showing_id}"
    # The feed's own notation (theater-local), named so that nobody reads it as UTC.
    starts, frees = other.start.astimezone(zone), other.busy_until.astimezone(zone)
    start = f"{starts:%Y-%m-%d %H:%M} {zone_label(starts)}"
    busy = f"{frees:%H:%M} {zone_label(frees)}"
    plan.invalid.append(
        FeedProblem(
            item.line,
            "starts_at",
            f"overlaps {what} in room {key[1]} (from {start}, room busy until {busy} "
            f"with {theater.cleaning_minutes} min cleaning)",
            item.record,
        )
    )
    live[loser.row] = None
    by_room[key] = [s for s in by_room[key] if s is not loser]
    previous = stored.get(loser.showing_id)
    if (
        previous is not None
        and str(previous.status) == ShowingStatus.SCHEDULED
        and previous.theater_id in catalog.theaters
    ):
        back = (previous.theater_id, previous.room_id)
        by_room[back].append(slot(previous, None))
        rooms_to_check.add(back)
