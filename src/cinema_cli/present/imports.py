"""Shapes of ``import showtimes`` / ``import theaters`` reports and ``export showtimes --json``."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, NotRequired  # pydantic reads these on 3.11

from typing_extensions import TypedDict

from cinema_cli.domain.feeds import Change, FeedProblem, Refusal
from cinema_cli.services.imports.report import CatalogChange, ImportReport, LostSeats


class ProblemShape(TypedDict):
    """One reason a feed record is invalid."""

    line: int | None
    """The feed's line (CSV, JSON Lines); ``null`` for a JSON document or the whole feed."""
    field: str
    """The column or key; ``""`` when the record as a whole is wrong."""
    message: str
    record: NotRequired[str]
    """A JSON document's record, like ``showtimes[16]``."""


class ChangeShape(TypedDict):
    """A showing an import creates, updates, leaves unchanged or cancels."""

    line: int | None
    showing_id: str
    record: NotRequired[str]
    changed: NotRequired[list[str]]
    """The fields an update changes (``prices``, ``status``...)."""


class CatalogChangeShape(TypedDict):
    """A city, theater or movie that ``import theaters`` creates, updates or leaves."""

    kind: str
    """``cities``, ``theaters`` or ``movies``."""
    id: str


class RefusalShape(TypedDict):
    """A showtime change left undone, or a --prune cancellation not made: tickets are sold."""

    line: int | None
    showing_id: str
    reason: str
    tickets_sold: int
    """Seats sold or held."""
    record: NotRequired[str]


class LostSeatsShape(TypedDict):
    """Sold seats of a showing still to come that a theater's new layout would remove."""

    theater_id: str
    room_id: str
    showing_id: str
    seats: list[str]


class ImportReportShape(TypedDict):
    """What an import did, or with ``dry_run`` would do; also the details of its errors."""

    created: int
    updated: int
    unchanged: int
    cancelled: int
    invalid: list[ProblemShape]
    refused: list[RefusalShape | LostSeatsShape]
    """Showtimes: rows refused. Theaters: layouts that would drop sold seats."""
    kept: list[RefusalShape]
    """Showings ``--prune`` left scheduled because tickets are sold."""
    warnings: list[str]
    rows: int
    """Records read from the feed."""
    dry_run: bool
    written: bool
    storage: str
    """The storage the import read and wrote (``json:///path``...; never a password)."""
    first: dict[str, list[ChangeShape | CatalogChangeShape]]
    """The first 10 of each outcome: ``created``, ``updated``, ``unchanged``, ``cancelled``."""
    by_kind: NotRequired[dict[str, dict[str, int]]]
    """Counts per kind: ``{"movies": {"created": 1}}``; absent when there is nothing to count."""


class ExportShape(TypedDict):
    """``export showtimes --output FILE --json``: what was written where."""

    exported: int
    format: str
    """``csv``, ``json`` or ``jsonl``."""
    output: str


def problem(value: FeedProblem) -> ProblemShape:
    shape: ProblemShape = {"line": value.line, "field": value.field, "message": value.message}
    if value.record is not None:
        shape["record"] = value.record
    return shape


def change(value: Change) -> ChangeShape:
    shape: ChangeShape = {"line": value.line, "showing_id": value.showing_id}
    if value.record is not None:
        shape["record"] = value.record
    if value.changed:
        shape["changed"] = list(value.changed)
    return shape


def catalog_change(value: CatalogChange) -> CatalogChangeShape:
    return {"kind": value.kind, "id": value.id}


def refusal(value: Refusal) -> RefusalShape:
    shape: RefusalShape = {
        "line": value.line,
        "showing_id": value.showing_id,
        "reason": value.reason,
        "tickets_sold": value.sold,
    }
    if value.record is not None:
        shape["record"] = value.record
    return shape


def lost_seats(value: LostSeats) -> LostSeatsShape:
    return {
        "theater_id": value.theater_id,
        "room_id": value.room_id,
        "showing_id": value.showing_id,
        "seats": list(value.seats),
    }


def _refused(value: Refusal | LostSeats) -> RefusalShape | LostSeatsShape:
    return lost_seats(value) if isinstance(value, LostSeats) else refusal(value)


def _first(value: Change | CatalogChange) -> ChangeShape | CatalogChangeShape:
    return catalog_change(value) if isinstance(value, CatalogChange) else change(value)


def import_report(value: ImportReport) -> ImportReportShape:
    """The documented shape of an import report (``import showtimes|theaters --json``)."""
    shape: ImportReportShape = {
        "created": value.created,
        "updated": value.updated,
        "unchanged": value.unchanged,
        "cancelled": value.cancelled,
        "invalid": [problem(item) for item in value.invalid],
        "refused": [_refused(item) for item in value.refused],
        "kept": [refusal(item) for item in value.kept],
        "warnings": list(value.warnings),
        "rows": value.rows,
        "dry_run": value.dry_run,
        "written": value.written,
        "storage": value.storage,
        "first": {
            outcome: [_first(item) for item in items] for outcome, items in value.first.items()
        },
    }
    if value.by_kind:
        shape["by_kind"] = {kind: dict(counts) for kind, counts in value.by_kind.items()}
    return shape


def rejection_details(report: ImportReport, details: Mapping[str, Any]) -> dict[str, Any]:
    """The ``details`` of an import refused as a whole: its report, then the error's own
    (the ``hint``). Front doors apply it to every ``ImportRejected`` error they show."""
    return {**import_report(report), **details}


def export_result(exported: int, format: str, output: str) -> ExportShape:
    return {"exported": exported, "format": format, "output": output}
