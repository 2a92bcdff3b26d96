"""Room layouts to and from pretix seating plans (pretix's ``seating-plan.schema.json``).

A pretix plan draws seats at pixel positions: zones hold rows, rows hold seats, each seat
with a ``seat_guid``, a ``seat_number``, a ``category`` (a name of the plan's
``categories``) and a ``position``; ``areas`` draw things such as the screen. Our layout is a
grid (:mod:`cinema_cli.domain.layout`): one row of cells per seat row, the row nearest the
screen first, one column per cell.

Reading a plan: each row's label is its ``row_number`` (1-3 letters); positions are added up
(zone + row + seat) and seats are put on the grid by their x position, the column width
being the smallest gap between two seats of a row, so wider gaps become aisles. Rows run
from the top of the drawing down, or bottom up when an area named like a screen is drawn
below them. Seats are numbered left to right as in every layout. pretix has no wheelchair
or companion category: a plan's categories map to ours by name (``standard``, ``premium``,
``wheelchair``, ``companion``, ``blocked``) or through an explicit mapping.

Pure: no I/O and no schema validation (the service validates against pretix's schema).
"""

from __future__ import annotations

import math
import re
import shlex
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from cinema_cli.domain.errors import InvalidFeed
from cinema_cli.domain.layout import LayoutError, Seat, parse_layout

CATEGORY_CELLS: dict[str, str] = {
    "standard": "s",
    "premium": "p",
    "wheelchair": "w",
    "companion": "c",
    "blocked": "x",
}
"""Our categories (and ``blocked``, a seat never sold) and their layout cells."""
CATEGORY_COLORS: dict[str, str] = {
    "standard": "#4a90d9",
    "premium": "#c8a13a",
    "wheelchair": "#2e8b57",
    "companion": "#7fbf7f",
    "blocked": "#9e9e9e",
}
SEAT_SPACING = 30
"""Pixels between two neighbouring columns in an exported plan."""
ROW_SPACING = 35
"""Pixels between two rows in an exported plan."""
SCREEN_TOP = 10
SCREEN_HEIGHT = 20
FIRST_ROW_Y = 70
_LABEL = re.compile(r"^[A-Z]{1,3}$")
_SCREEN = re.compile(r"screen|leinwand|écran|ecran|pantalla", re.IGNORECASE)


@dataclass(frozen=True, slots=True)
class PlanLayout:
    """A pretix plan read into a room layout."""

    name: str
    layout: list[str]
    warnings: list[str] = field(default_factory=list)


def category_mapping(plan_categories: list[str], mapping: Mapping[str, str]) -> dict[str, str]:
    """Each plan category -> a layout cell; ``mapping`` (plan name -> our category) wins over
    the names themselves. Raises :class:`InvalidFeed` naming every category left unmapped."""
    cells: dict[str, str] = {}
    unknown_targets = sorted({t for t in mapping.values() if t not in CATEGORY_CELLS})
    if unknown_targets:
        raise InvalidFeed(
            f"--category: {', '.join(unknown_targets)} is not one of {', '.join(CATEGORY_CELLS)}",
            field="--category",
        )
    unmapped: list[str] = []
    for name in plan_categories:
        target = mapping.get(name, name.strip().lower())
        if target in CATEGORY_CELLS:
            cells[name] = CATEGORY_CELLS[target]
        else:
            unmapped.append(name)
    if unmapped:
        raise InvalidFeed(
            "the plan's categories "
            + ", ".join(repr(name) for name in unmapped)
            + f" are not ours ({', '.join(CATEGORY_CELLS)}); map each one",
            field="categories",
            hint=" ".join(f"--category {shlex.quote(f'{name}=standard')}" for name in unmapped),
        )
    return cells


def _position(node: Mapping[str, Any]) -> tuple[int, int]:
    position = node.get("position") or {}
    return int(position.get("x", 0)), int(position.get("y", 0))


@dataclass
class _PlanRow:
    label: str
    y: float
    seats: list[tuple[int, str, str]]
    """(x, cell, seat_number) per seat."""


def _rows(plan: Mapping[str, Any], cells: Mapping[str, str]) -> tuple[list[_PlanRow], float]:
    """The plan's rows with absolute positions, and the y of a screen area (or -inf)."""
    rows: list[_PlanRow] = []
    seen: dict[str, str] = {}
    screen_y = float("-inf")
    for zone_index, zone in enumerate(plan["zones"]):
        zone_name = zone.get("name") or f"zone {zone_index + 1}"
        zx, zy = _position(zone)
        for area in zone.get("areas", []):
            if _SCREEN.search(area.get("text", "")):
                screen_y = zy + _position(area)[1]
        for row_index, row in enumerate(zone["rows"]):
            where = f"{zone_name}, row {row_index + 1}"
            label = row["row_number"].strip().upper()
            if not _LABEL.match(label):
                raise InvalidFeed(
                    f"{where}: row_number {row['row_number']!r} is not a row label "
                    "(1 to 3 letters, like A or AB)",
                    field="row_number",
                )
            if label in seen:
                raise InvalidFeed(
                    f"{where}: row {label} is already in {seen[label]}", field="row_number"
                )
            seen[label] = zone_name
            rx, ry = _position(row)
            seats, heights = [], []
            for seat in row["seats"]:
                sx, sy = _position(seat)
                seats.append((zx + rx + sx, cells[seat["category"]], seat["seat_number"]))
                heights.append(zy + ry + sy)
            if not seats:
                raise InvalidFeed(f"{where}: row {label} has no seats", field="seats")
            rows.append(_PlanRow(label, sum(heights) / len(heights), sorted(seats)))
    if not rows:
        raise InvalidFeed("the plan has no rows", field="zones")
    return rows, screen_y


def _column_width(rows: list[_PlanRow], spacings: list[int]) -> int:
    """Pixels per grid column: the rows' ``seats_spacing`` when the plan gives it, else the
    smallest gap between two seats of a row, else what all seats' x have in common."""
    for row in rows:
        if any(b[0] <= a[0] for a, b in zip(row.seats, row.seats[1:], strict=False)):
            raise InvalidFeed(
                f"row {row.label}: two seats are drawn at one place", field="position"
            )
    if spacings:
        return max(1, min(spacings))
    gaps = [b[0] - a[0] for row in rows for a, b in zip(row.seats, row.seats[1:], strict=False)]
    if gaps:
        return min(gaps)
    origin = min(seat[0] for row in rows for seat in row.seats)
    return math.gcd(*(seat[0] - origin for row in rows for seat in row.seats)) or 1


def plan_to_layout(plan: Mapping[str, Any], mapping: Mapping[str, str]) -> PlanLayout:
    """Read a (schema-valid) pretix plan into layout rows; raises :class:`InvalidFeed`."""
    names = [category["name"] for category in plan["categories"]]
    used = {
        seat["category"] for zone in plan["zones"] for row in zone["rows"] for seat in row["seats"]
    }
    undeclared = sorted(used - set(names))
    if undeclared:
        raise InvalidFeed(
            f"seats use categories the plan does not declare: {', '.join(undeclared)}",
            field="categories",
        )
    cells = category_mapping([name for name in names if name in used], mapping)
    rows, screen_y = _rows(plan, cells)
    spacings = [
        row["seats_spacing"]
        for zone in plan["zones"]
        for row in zone["rows"]
        if row.get("seats_spacing", 0) > 0
    ]
    width = _column_width(rows, spacings)
    origin = min(seat[0] for row in rows for seat in row.seats)
    rows.sort(key=lambda row: row.y, reverse=screen_y > max(row.y for row in rows))
    layout: list[str] = []
    warnings: list[str] = []
    for row in rows:
        columns = {round((x - origin) / width): cell for x, cell, _ in row.seats}
        if len(columns) < len(row.seats):
            raise InvalidFeed(
                f"row {row.label}: seats closer than the column width ({width} px) overlap",
                field="position",
            )
        layout.append(
            f"{row.label} " + "".join(columns.get(c, ".") for c in range(max(columns) + 1))
        )
        numbers = [number for _, _, number in row.seats]
        if numbers != [str(n) for n in range(1, len(numbers) + 1)]:
            warnings.append(
                f"row {row.label}: seats are numbered 1-{len(numbers)} from the left "
                f"(the plan numbered them {numbers[0]}...{numbers[-1]})"
            )
    try:
        parse_layout(layout)
    except LayoutError as error:
        raise InvalidFeed(f"the plan does not fit a room layout: {error}", field="zones") from None
    return PlanLayout(name=str(plan["name"]), layout=layout, warnings=warnings)


def _category(seat: Seat) -> str:
    return "blocked" if seat.blocked else seat.category


def layout_to_plan(*, name: str, guid_prefix: str, seats: tuple[Seat, ...]) -> dict[str, Any]:
    """A room's seats as a pretix plan: one zone, the screen on top, one row per layout row."""
    used = {_category(seat) for seat in seats}
    columns = max(seat.column for seat in seats) + 1
    rows: dict[str, list[Seat]] = {}
    for seat in seats:
        rows.setdefault(seat.row, []).append(seat)
    width = columns * SEAT_SPACING
    return {
        "name": name,
        "categories": [
            {"name": category, "color": CATEGORY_COLORS[category]}
            for category in CATEGORY_CELLS
            if category in used
        ],
        "zones": [
            {
                "name": name,
                "position": {"x": 0, "y": 0},
                "rows": [
                    {
                        "row_number": label,
                        "seats_spacing": SEAT_SPACING,
                        "position": {"x": 0, "y": FIRST_ROW_Y + index * ROW_SPACING},
                        "seats": [
                            {
                                "seat_guid": f"{guid_prefix}{seat.id}",
                                "seat_number": str(seat.number),
                                "position": {"x": seat.column * SEAT_SPACING, "y": 0},
                                "category": _category(seat),
                            }
                            for seat in row
                        ],
                    }
                    for index, (label, row) in enumerate(rows.items())
                ],
                "areas": [
                    {
                        "text": "Screen",
                        "color": "#dddddd",
                        "border_color": "#888888",
                        "width": width,
                        "height": SCREEN_HEIGHT,
                        "position": {"x": 0, "y": SCREEN_TOP},
                    }
                ],
            }
        ],
        "size": {"width": width, "height": FIRST_ROW_Y + len(rows) * ROW_SPACING},
    }
