"""The one table from error codes to HTTP statuses, and the handlers that use it.

Every error leaves as ``{"error": {"code", "message", "details"}}`` (the presenter's error
shape), never a stack trace. A code not in :data:`STATUS_BY_CODE` gets the status of its
error family (:data:`STATUS_BY_FAMILY`), so a new error class needs no new row.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from cinema_cli.domain.errors import (
    CinemaError,
    Conflict,
    InvalidInput,
    MissingExtra,
    NotFound,
    PaymentDeclined,
    StorageError,
)
from cinema_cli.present.errors import cinema_error, error

if TYPE_CHECKING:
    from fastapi import FastAPI, Request
    from fastapi.responses import JSONResponse

RETRY_AFTER_SECONDS = 1


class Unauthorized(CinemaError):
    """No credentials, or credentials that are not (or no longer) valid."""

    code = "unauthorized"


class Forbidden(CinemaError):
    """The credentials are valid but their role may not do this."""

    code = "forbidden"


class RequestInProgress(Conflict):
    """The same idempotency key is being worked on by another request right now."""

    code = "request_in_progress"


STATUS_BY_CODE: dict[str, int] = {
    "unauthorized": 401,
    "forbidden": 403,
    "body_too_large": 413,
    "request_in_progress": 409,
    "lock_timeout": 503,
    "storage_busy": 503,
    "storage_unavailable": 503,
    "corrupt_data": 500,
    "unknown_schema": 500,
    "schema_outdated": 503,
    "missing_extra": 500,
    "unexpected": 500,
}
"""Statuses of particular codes; everything else goes by its family below."""

STATUS_BY_FAMILY: tuple[tuple[type[CinemaError], int], ...] = (
    (NotFound, 404),
    (Conflict, 409),
    (PaymentDeclined, 402),
    (InvalidInput, 422),
    (StorageError, 503),
    (MissingExtra, 500),
)

RETRY_CODES = frozenset(
    {"lock_timeout", "storage_busy", "storage_unavailable", "request_in_progress"}
)
"""Codes that are worth retrying shortly: their responses carry ``Retry-After``."""


def status_of(failure: CinemaError) -> int:
    if failure.code in STATUS_BY_CODE:
        return STATUS_BY_CODE[failure.code]
    for family, status in STATUS_BY_FAMILY:
        if isinstance(failure, family):
            return status
    return 500


def _headers(code: str) -> dict[str, str]:
    headers = {}
    if code in RETRY_CODES:
        headers["Retry-After"] = str(RETRY_AFTER_SECONDS)
    if code == "unauthorized":
        headers["WWW-Authenticate"] = "Bearer"
    return headers


def json_error(status: int, document: Any, code: str) -> JSONResponse:
    from fastapi.responses import JSONResponse

    return JSONResponse(document, status_code=status, headers=_headers(code))


def _field_of(location: tuple[Any, ...]) -> str:
    # ("body", "seats", 0) -> "seats[0]"; ("header", "idempotency-key") -> "idempotency-key"
    parts = [str(part) for part in location[1:]] or [str(part) for part in location]
    name = parts[0]
    for part in parts[1:]:
        name += f"[{part}]" if part.isdigit() else f".{part}"
    return name


def install(app: FastAPI) -> None:
    """Register the handlers that turn every failure into the error shape."""
    from fastapi.exceptions import RequestValidationError
    from starlette.exceptions import HTTPException

    async def on_cinema_error(request: Request, failure: Exception) -> JSONResponse:
        assert isinstance(failure, CinemaError)
        return json_error(status_of(failure), cinema_error(failure), failure.code)

    async def on_invalid_request(request: Request, failure: Exception) -> JSONResponse:
        assert isinstance(failure, RequestValidationError)
        # Only where and what: never the value sent, which may be a card number.
        problems = [
            {"field": _field_of(tuple(item.get("loc", ()))), "message": item.get("msg", "")}
            for item in failure.errors()
        ]
        first = problems[0] if problems else {"field": "body", "message": "invalid request"}
        document = error(
            "invalid_input",
            f"{first['field']}: {first['message']}",
            {"field": first["field"], "problems": problems},
        )
        return json_error(422, document, "invalid_input")

    async def on_http_error(request: Request, failure: Exception) -> JSONResponse:
        assert isinstance(failure, HTTPException)
        code = {404: "not_found", 405: "method_not_allowed"}.get(failure.status_code, "http_error")
        return json_error(failure.status_code, error(code, str(failure.detail)), code)

    async def on_unexpected(request: Request, failure: Exception) -> JSONResponse:
        # The server logs the traceback (stderr); the client learns nothing of the inside.
        document = error("unexpected", "an unexpected error happened; it has been logged")
        return json_error(500, document, "unexpected")

    app.add_exception_handler(CinemaError, on_cinema_error)
    app.add_exception_handler(RequestValidationError, on_invalid_request)
    app.add_exception_handler(HTTPException, on_http_error)
    app.add_exception_handler(Exception, on_unexpected)


def error_responses(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """OpenAPI entries saying that these statuses answer with the error shape."""
    from cinema_cli.present.errors import ErrorShape

    return {status: {"model": ErrorShape, "description": "An error"} for status in statuses}
