"""JSON Schemas of the documented shapes, generated from the presenter's ``TypedDict``s.

``cinema schema NAME`` prints one; the tests validate every command's real ``--json``
output against its schema, so the README, the schema and the output cannot drift.
pydantic (already a dependency) writes the schemas; it loads only when one is asked for.
"""

from __future__ import annotations

import importlib
from typing import Any

from typing_extensions import TypedDict  # pydantic reads these on 3.11

SCHEMAS: dict[str, tuple[str, str, str]] = {
    # name: (module under cinema_cli.present, TypedDict, what it is)
    "schemas": ("schemas", "SchemaListShape", "schema --json: the names of the published shapes"),
    "theaters": ("catalog", "TheatersShape", "theaters --json: the theaters with their rooms"),
    "search": ("catalog", "SearchShape", "search --json: matching movies, each with its showings"),
    "showtimes": ("catalog", "ShowtimesShape", "showtimes --json: one movie's showings"),
    "seats": ("catalog", "SeatsShape", "seats --json: a showing's seat map"),
    "reservation": ("booking", "ReservationShape", "reserve --json: the seats held"),
    "booking": ("booking", "BookingShape", "BOOKING (booking --json): a booking with tickets"),
    "purchase": ("booking", "PurchaseShape", "buy --json: BOOKING plus replayed"),
    "bookings": ("booking", "BookingsShape", "bookings --json: an e-mail address's bookings"),
    "demo": ("demo", "DemoShape", "demo --json: what the demo loaded and booked"),
    "showing": ("common", "ShowingShape", "SHOWING: one showing with its theater, room, prices"),
    "theater": ("common", "TheaterShape", "one theater with its rooms"),
    "import_showtimes": ("imports", "ImportReportShape", "import showtimes: what changed"),
    "import_theaters": ("imports", "ImportReportShape", "import theaters: what changed"),
    "export_showtimes": ("imports", "ExportShape", "export showtimes --output --json"),
    "error": ("errors", "ErrorShape", "any error, with --json on stderr"),
    "checkin": ("tickets", "CheckinShape", "checkin: the admitted ticket and its showing"),
    "checkin_offline": (
        "tickets",
        "OfflineCheckinShape",
        "checkin --offline: what the signature vouches for, and what it cannot know",
    ),
    "cancel": ("tickets", "CancellationShape", "cancel: what was cancelled and refunded"),
    "keys": ("admin", "KeysShape", "keys public: the public signing keys"),
    "keys_rotate": ("admin", "KeysRotatedShape", "keys rotate: the new active key, every key"),
    "keys_seal": ("admin", "KeysSealedShape", "keys seal: the keys encrypted with the key secret"),
    "outbox": ("admin", "OutboxShape", "outbox list: the e-mails and their delivery state"),
    "outbox_send": ("admin", "SendReportShape", "outbox send: sent, failed, sent before"),
    "log": ("admin", "LogShape", "log: the audit entries, oldest first"),
    "db_info": ("admin", "DbInfoShape", "db info: backend, schema version, record counts"),
    "db_upgrade": ("admin", "DbUpgradeShape", "db upgrade: schema version before and after"),
    "db_copy": ("admin", "DbCopyShape", "db copy: both stores and the records copied"),
    # pretix seating plans in and out
    "import_seating_plan": (
        "seating_plan",
        "SeatingPlanImportShape",
        "import seating-plan: the room's layout read from the plan",
    ),
    "export_seating_plan": (
        "seating_plan",
        "SeatingPlanExportShape",
        "export seating-plan --output --json: where the plan went",
    ),
    "payments": ("payments", "PaymentsShape", "payments list: every charge and its booking"),
    "payments_reconcile": (
        "payments",
        "ReconcileShape",
        "payments reconcile: charges without a booking refunded or closed",
    ),
    "tickets": ("etickets", "TicketFilesShape", "tickets: a booking's e-ticket files, re-created"),
}
"""Every published shape: add a row when a presenter module gains one."""


def shape_type(name: str) -> Any:
    """The ``TypedDict`` that defines the shape ``name`` (``KeyError`` when unknown)."""
    module_name, type_name, _ = SCHEMAS[name]
    module = importlib.import_module(f"cinema_cli.present.{module_name}")
    return getattr(module, type_name)


def json_schema(name: str) -> dict[str, Any]:
    """The JSON Schema (draft 2020-12) of the shape ``name``."""
    from pydantic import TypeAdapter

    schema = TypeAdapter(shape_type(name)).json_schema(mode="serialization")
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": f"https://cinema-cli.example/schemas/{name}.json",
        **schema,
    }


class SchemaEntry(TypedDict):
    name: str
    """What ``cinema schema NAME`` takes."""
    description: str


class SchemaListShape(TypedDict):
    schemas: list[SchemaEntry]


def schema_list() -> SchemaListShape:
    """The ``schema --json`` shape: every published shape's name and what it is."""
    return {
        "schemas": [
            {"name": name, "description": description}
            for name, (_, _, description) in SCHEMAS.items()
        ]
    }
