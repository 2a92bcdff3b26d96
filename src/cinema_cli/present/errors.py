"""The error shape, for ``--json`` (on stderr) and the HTTP API alike."""

from __future__ import annotations

from typing import Any

from typing_extensions import TypedDict  # pydantic reads these on 3.11

from cinema_cli.domain.errors import CinemaError


class ErrorBody(TypedDict):
    code: str
    """Stable: ``showing_not_found``, ``seat_unavailable``, ``usage``, ``unexpected``..."""
    message: str
    details: dict[str, Any]


class ErrorShape(TypedDict):
    error: ErrorBody


def error(code: str, message: str, details: dict[str, Any] | None = None) -> ErrorShape:
    return {"error": {"code": code, "message": message, "details": dict(details or {})}}


def cinema_error(value: CinemaError) -> ErrorShape:
    """The shape of a domain error: its stable code, message and details."""
    return error(value.code, value.message, value.details)
