"""JSON Schemas of the documented shapes, generated from the presenter's ``TypedDict``s.

``cinema schema NAME`` prints one; the tests validate every command's real ``--json``
output against its schema, so the README, the schema and the output cannot drift.
pydantic (already a dependency) writes the schemas; it loads only when one is asked for.
"""

from __future__ import annotations

import importlib
from typing import Any

SCHEMAS: dict[str, tuple[str, str, str]] = {
    # name: (module under cinema_cli.present, TypedDict, what it is)
    "showing": ("common", "ShowingShape", "SHOWING: one showing with its theater, room, prices"),
    "theater": ("common", "TheaterShape", "one theater with its rooms"),
    "import_showtimes": ("imports", "ImportReportShape", "import showtimes: what changed"),
    "import_theaters": ("imports", "ImportReportShape", "import theaters: what changed"),
    "export_showtimes": ("imports", "ExportShape", "export showtimes --output --json"),
    "error": ("errors", "ErrorShape", "any error, with --json on stderr"),
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
