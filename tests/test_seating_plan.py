"""pretix seating plans in and out of a room's layout (`import|export seating-plan`)."""

from __future__ import annotations

import io
import json
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from jsonschema import Draft7Validator

from cinema_cli.domain.errors import InvalidFeed, SeatsInUse
from cinema_cli.domain.layout import parse_layout
from cinema_cli.domain.seating_plan import layout_to_plan, plan_to_layout
from cinema_cli.services.imports.seating_plan import (
    export_seating_plan,
    import_seating_plan,
    plan_schema,
)
from fakes import FakeStorage, MovableClock
from imports_catalog import THEATER, catalog_storage, put, sell, showing

DATA = Path(__file__).parent / "data"
KANAL = DATA / "seating-plan-kino.json"
"""A plan drawn by hand: German category names, two zones, the screen at the bottom."""
CANONICAL = DATA / "seating-plan-round-trip.json"
"""A plan as `export seating-plan` writes it, for room r1 of theater berlin-1."""
KANAL_CATEGORIES = {
    "Parkett": "standard",
    "Loge": "premium",
    "Rollstuhl": "wheelchair",
    "Begleitung": "companion",
}


def plan_bytes(plan: dict[str, Any]) -> io.BytesIO:
    return io.BytesIO(json.dumps(plan).encode())


def load(path: Path) -> dict[str, Any]:
    document: dict[str, Any] = json.loads(path.read_text())
    return document


def run_import(storage: FakeStorage, room_id: str, plan: dict[str, Any], **options: Any) -> Any:
    from builders import NOW

    return import_seating_plan(
        storage, MovableClock(NOW), "berlin-1", room_id, plan_bytes(plan), **options
    )


def test_a_hand_drawn_plan_becomes_a_layout_with_the_screen_side_first() -> None:
    read = plan_to_layout(load(KANAL), KANAL_CATEGORIES)
    assert read.name == "Kino am Kanal"
    # The screen is drawn below the seats, so the bottom row (A) is the front row.
    assert read.layout == ["A wc.sss", "B ss.sss", "C ...pp"]
    assert read.warnings == [
        "row C: seats are numbered 1-2 from the left (the plan numbered them 101...102)"
    ]


def test_categories_pretix_lacks_need_a_mapping_and_the_error_says_which() -> None:
    with pytest.raises(InvalidFeed) as caught:
        plan_to_layout(load(KANAL), {"Parkett": "standard"})
    assert caught.value.exit_code == 6
    for name in ("Loge", "Rollstuhl", "Begleitung"):
        assert name in caught.value.message
    assert "--category Loge=standard" in caught.value.details["hint"]


def test_a_mapping_to_an_unknown_category_is_refused() -> None:
    with pytest.raises(InvalidFeed, match="vip is not one of"):
        plan_to_layout(load(KANAL), {**KANAL_CATEGORIES, "Loge": "vip"})


def test_a_plan_that_breaks_pretixs_schema_is_refused_naming_the_spot() -> None:
    plan = load(KANAL)
    del plan["zones"][0]["rows"][1]["seats"][2]["seat_number"]
    storage = catalog_storage()
    with pytest.raises(InvalidFeed) as caught:
        run_import(storage, "r9", plan, categories=KANAL_CATEGORIES)
    assert "$.zones[0].rows[1].seats[2]: 'seat_number' is a required property" in (
        caught.value.message
    )
    assert storage.theater("berlin-1") == catalog_storage().theater("berlin-1")


def test_a_row_number_that_is_not_a_row_label_is_refused() -> None:
    plan = load(KANAL)
    plan["zones"][0]["rows"][0]["row_number"] = "12"
    with pytest.raises(InvalidFeed, match="Saal, row 1: row_number '12' is not a row label"):
        plan_to_layout(plan, KANAL_CATEGORIES)


def test_the_export_is_valid_against_pretixs_schema() -> None:
    storage = catalog_storage()
    for room in THEATER.rooms:
        plan = export_seating_plan(storage, "berlin-1", room.id)
        assert list(Draft7Validator(plan_schema()).iter_errors(plan)) == []
        assert {c["name"] for c in plan["categories"]} <= {
            "standard",
            "premium",
            "wheelchair",
            "companion",
            "blocked",
        }


def test_a_plan_imports_and_exports_back_equal() -> None:
    storage = catalog_storage()
    plan = load(CANONICAL)
    result = run_import(storage, "r1", plan)
    assert result.written
    assert export_seating_plan(storage, "berlin-1", "r1") == plan


def test_importing_into_a_new_room_adds_it_and_a_rerun_changes_nothing() -> None:
    storage = catalog_storage()
    first = run_import(storage, "kanal", load(KANAL), categories=KANAL_CATEGORIES)
    assert (first.outcome, first.written, first.seats) == ("created", True, 12)
    again = run_import(storage, "kanal", load(KANAL), categories=KANAL_CATEGORIES)
    assert (again.outcome, again.written) == ("unchanged", False)
    theater = storage.theater("berlin-1")
    assert theater is not None
    room = theater.room("kanal")
    assert room is not None
    assert room.name == "Kino am Kanal"
    assert [s.id for s in room.seats if s.category == "wheelchair"] == ["A1"]


def test_dry_run_writes_nothing() -> None:
    storage = catalog_storage()
    result = run_import(storage, "kanal", load(KANAL), categories=KANAL_CATEGORIES, dry_run=True)
    assert (result.outcome, result.written, result.dry_run) == ("created", False, True)
    theater = storage.theater("berlin-1")
    assert theater is not None
    assert theater.room("kanal") is None


def test_a_plan_that_drops_a_sold_seat_is_refused_and_nothing_is_written() -> None:
    storage = catalog_storage()
    put(storage, showing("s1", "2026-12-10T18:00:00+00:00"))
    sell(storage, "s1", ["C4", "A1"])  # the plan's row C has two seats; A1 stays
    before = storage.theater("berlin-1")
    with pytest.raises(SeatsInUse) as caught:
        run_import(storage, "r1", load(KANAL), categories=KANAL_CATEGORIES)
    assert caught.value.exit_code == 4
    assert caught.value.code == "seats_in_use"
    assert "showing s1: C4" in caught.value.message
    assert caught.value.details["showings"] == {"s1": ["C4"]}
    assert storage.theater("berlin-1") == before


_ROW_CELLS = st.text(alphabet="spwcx.", min_size=1, max_size=12).filter(
    lambda cells: cells.strip(".") != ""
)


def _normal(layout: list[str]) -> list[str]:
    """The layout a plan can carry: no gap at the end of a row, none in front of every row."""
    rows = [(row.split()[0], row.split()[1].rstrip(".")) for row in layout]
    lead = min(len(cells) - len(cells.lstrip(".")) for _, cells in rows)
    return [f"{label} {cells[lead:]}" for label, cells in rows]


@given(st.lists(_ROW_CELLS, min_size=1, max_size=8))
def test_any_layout_survives_a_trip_through_a_plan(rows: list[str]) -> None:
    layout = [f"{chr(ord('A') + n)} {cells}" for n, cells in enumerate(rows)]
    plan = layout_to_plan(name="Room", guid_prefix="t.r.", seats=tuple(parse_layout(layout)))
    assert list(Draft7Validator(plan_schema()).iter_errors(plan)) == []
    assert plan_to_layout(plan, {}).layout == _normal(layout)
