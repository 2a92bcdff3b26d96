"""``import seating-plan`` / ``export seating-plan``: a room's layout as a pretix seating plan.

Plans are checked against pretix's own JSON schema, shipped in ``pretix/`` beside this module
with its license note (Apache-2.0); ``jsonschema`` loads only for these two commands. The
rules of ``import theaters`` hold: a new layout may not drop a seat sold (or held) for a
showing still to come (exit 4, nothing written). The conversion itself is
:mod:`cinema_cli.domain.seating_plan`.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from functools import cache
from importlib.resources import files
from typing import IO, Any

from cinema_cli.domain.errors import InvalidFeed, RoomNotFound, SeatsInUse, TheaterNotFound
from cinema_cli.domain.layout import LayoutError
from cinema_cli.domain.models import Room, Theater
from cinema_cli.domain.seating_plan import layout_to_plan, plan_to_layout
from cinema_cli.services import audit
from cinema_cli.services.imports.theaters import _sold_seats_lost
from cinema_cli.services.ports.clock import Clock
from cinema_cli.services.ports.storage import Reader, Storage

SCHEMA_FILE = "seating-plan.schema.json"
_ROOM_ID = r"^[A-Za-z0-9][A-Za-z0-9._:-]*$"


@cache
def plan_schema() -> dict[str, Any]:
    """pretix's JSON schema for seating plans (draft 7)."""
    text = files("cinema_cli.services.imports").joinpath("pretix", SCHEMA_FILE).read_text("utf-8")
    schema: dict[str, Any] = json.loads(text)
    return schema


def plan_problems(plan: object) -> list[str]:
    """Where ``plan`` breaks pretix's schema, each problem with its JSON path; [] when valid."""
    from jsonschema import Draft7Validator

    validator = Draft7Validator(plan_schema())
    return [
        f"{error.json_path}: {error.message}"
        for error in sorted(validator.iter_errors(plan), key=lambda e: list(e.absolute_path))
    ]


@dataclass(frozen=True, slots=True)
class SeatingPlanImport:
    """What ``import seating-plan`` did (or, with ``dry_run``, would do)."""

    theater_id: str
    room_id: str
    outcome: str
    """``created`` (a new room), ``updated`` or ``unchanged``."""
    layout: list[str]
    seats: int
    warnings: list[str] = field(default_factory=list)
    dry_run: bool = False
    written: bool = False


def read_plan(source: IO[bytes], name: str) -> dict[str, Any]:
    """Parse and schema-check a plan; raises :class:`InvalidFeed` (exit 6) naming the spot."""
    try:
        plan = json.loads(source.read())
    except (ValueError, UnicodeDecodeError) as error:
        raise InvalidFeed(f"{name}: not JSON ({error})", field="FILE") from None
    problems = plan_problems(plan)
    if problems:
        shown = "\n".join(f"  {problem}" for problem in problems[:10])
        raise InvalidFeed(
            f"{name}: not a pretix seating plan ({len(problems)} problems)\n{shown}",
            field="FILE",
            problems=problems,
        )
    assert isinstance(plan, dict)
    return plan


def _theater(reader: Reader, theater_id: str) -> Theater:
    theater = reader.theater(theater_id)
    if theater is None:
        raise TheaterNotFound(
            f"THEATER: no theater has id {theater_id!r}",
            theater_id=theater_id,
            hint="cinema theaters",
        )
    return theater


def _with_room(theater: Theater, room: Room) -> Theater:
    rooms = [room if r.id == room.id else r for r in theater.rooms]
    if theater.room(room.id) is None:
        rooms.append(room)
    return replace(theater, rooms=rooms)


def _check_sold_seats(reader: Reader, new: Theater, room_id: str, clock: Clock) -> list[str]:
    lost, warnings = _sold_seats_lost(reader, new, clock())
    lost = [item for item in lost if item.room_id == room_id]
    if lost:
        raise SeatsInUse(
            f"{new.id}/{room_id}: the plan removes seats sold or held for showings to come; "
            "nothing was written\n"
            + "\n".join(
                f"  showing {item.showing_id}: {', '.join(item.seats)}" for item in lost[:20]
            ),
            theater_id=new.id,
            room_id=room_id,
            showings={item.showing_id: list(item.seats) for item in lost},
            hint=f"cinema export seating-plan {new.id} {room_id} --output current-plan.json",
        )
    return warnings


def _complete_hint(
    error: InvalidFeed, theater_id: str, room_id: str, plan_name: str, given: Mapping[str, str]
) -> None:
    """Make a ``--category`` hint the whole command to run again, with the mappings given."""
    hint = error.details.get("hint")
    if isinstance(hint, str) and hint.startswith("--category"):
        import shlex

        options = [f"--category {shlex.quote(f'{k}={v}')}" for k, v in given.items()]
        command = [
            "cinema import seating-plan",
            *map(shlex.quote, (theater_id, room_id, plan_name)),
        ]
        error.details["hint"] = " ".join([*command, *options, hint])


def import_seating_plan(
    storage: Storage,
    clock: Clock,
    theater_id: str,
    room_id: str,
    source: IO[bytes],
    *,
    categories: Mapping[str, str] | None = None,
    dry_run: bool = False,
    plan_name: str = "-",
) -> SeatingPlanImport:
    """Replace (or create) a room's layout from a pretix plan.

    ``categories`` maps plan category names to ours (``wheelchair``, ``companion``...), which
    pretix does not have. The room takes the plan's name. Raises :class:`InvalidFeed` (exit 6)
    for a plan that is not valid or does not fit a layout and :class:`SeatsInUse` (exit 4)
    when the new layout drops seats sold or held for showings still to come.
    """
    import re

    if not re.match(_ROOM_ID, room_id):
        raise InvalidFeed(
            f"ROOM: {room_id!r}: use letters, digits and . _ : - (starting with a letter or digit)",
            field="ROOM",
        )
    plan = read_plan(source, plan_name)
    try:
        read = plan_to_layout(plan, categories or {})
    except InvalidFeed as error:
        _complete_hint(error, theater_id, room_id, plan_name, categories or {})
        raise
    _theater(storage, theater_id)
    with storage.transaction() as tx:
        theater = _theater(tx, theater_id)
        old = theater.room(room_id)
        room = Room(id=room_id, name=read.name or room_id, layout=read.layout)
        try:
            seats = room.seats_total
        except LayoutError as error:  # plan_to_layout checked it; kept for a clear message
            raise InvalidFeed(str(error), field="zones") from None
        new = _with_room(theater, room)
        warnings = [*read.warnings, *_check_sold_seats(tx, new, room_id, clock)]
        # Seats, not text: a plan has no trailing gap columns, so the exported layout of a
        # room drawn with them reads back as the same seats in a shorter string.
        same = old is not None and old.name == room.name and old.seats == room.seats
        outcome = "created" if old is None else "unchanged" if same else "updated"
        result = SeatingPlanImport(
            theater_id, room_id, outcome, read.layout, seats, warnings, dry_run=dry_run
        )
        if dry_run or outcome == "unchanged":
            return result
        tx.put_theater(new)
        audit.record(
            tx,
            at=clock(),
            action="import",
            subject=f"feed:{plan_name}",
            actor="import",
            kind="seating-plan",
            theater_id=theater_id,
            room_id=room_id,
            outcome=outcome,
        )
    return replace(result, written=True)


def export_seating_plan(reader: Reader, theater_id: str, room_id: str) -> dict[str, Any]:
    """A room's layout as a pretix seating plan (valid against pretix's schema)."""
    theater = _theater(reader, theater_id)
    room = theater.room(room_id)
    if room is None:
        raise RoomNotFound(
            f"ROOM: theater {theater_id} has no room {room_id!r} "
            f"(its rooms: {', '.join(r.id for r in theater.rooms) or 'none'})",
            room_id=room_id,
            hint="cinema theaters",
        )
    return layout_to_plan(name=room.name, guid_prefix=f"{theater_id}.{room_id}.", seats=room.seats)
