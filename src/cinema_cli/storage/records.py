"""Entities to and from JSON-ready records (dicts of str, int, list...), for every backend.

msgspec does the conversion in C: datetimes become ISO 8601 strings in UTC
(``...Z``), ``Decimal`` becomes a string, enums their value. Loading checks the
shape and types of stored data (a record that does not fit is reported as
corrupt) but does not re-run the boundary validation of
:mod:`cinema_cli.domain.schemas`: stored data is trusted.
"""

from __future__ import annotations

from typing import Any, TypeVar

import msgspec

# The registry of record kinds lives with the storage port; it is offered here too, beside
# the functions that convert each kind's records.
from cinema_cli.services.ports.storage import RECORD_TYPES

__all__ = ["RECORD_TYPES", "RecordError", "from_record", "to_record"]

T = TypeVar("T")


class RecordError(ValueError):
    """A stored record does not fit its entity (the message says where)."""


def to_record(entity: Any) -> dict[str, Any]:
    """An entity as a JSON-ready dict."""
    record: dict[str, Any] = msgspec.to_builtins(entity)
    return record


def from_record(kind: type[T], record: Any) -> T:
    """Rebuild an entity of type ``kind`` from a record made by :func:`to_record`."""
    try:
        return msgspec.convert(record, kind)
    except msgspec.ValidationError as error:
        raise RecordError(f"{kind.__name__}: {error}") from None
