"""Shapes of ``import seating-plan --json`` and ``export seating-plan --output F --json``."""

from __future__ import annotations

from typing_extensions import TypedDict  # pydantic reads these on 3.11

from cinema_cli.services.imports.seating_plan import SeatingPlanImport


class SeatingPlanImportShape(TypedDict):
    """What ``import seating-plan`` did to one room."""

    theater_id: str
    room_id: str
    outcome: str
    """``created`` (a new room), ``updated`` or ``unchanged``."""
    seats: int
    """Seats that can be sold in the new layout (blocked ones excluded)."""
    layout: list[str]
    """The room's layout as read from the plan, in the theater feed's row format."""
    warnings: list[str]
    dry_run: bool
    written: bool


class SeatingPlanExportShape(TypedDict):
    """Where ``export seating-plan --output`` wrote the plan."""

    theater_id: str
    room_id: str
    output: str


def seating_plan_import(result: SeatingPlanImport) -> SeatingPlanImportShape:
    return {
        "theater_id": result.theater_id,
        "room_id": result.room_id,
        "outcome": result.outcome,
        "seats": result.seats,
        "layout": list(result.layout),
        "warnings": list(result.warnings),
        "dry_run": result.dry_run,
        "written": result.written,
    }


def seating_plan_export(theater_id: str, room_id: str, output: str) -> SeatingPlanExportShape:
    return {"theater_id": theater_id, "room_id": room_id, "output": output}
