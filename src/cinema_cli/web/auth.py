"""Who may do what: staff bearer tokens with roles, and booking access tokens.

Staff send ``Authorization: Bearer cin_...`` (from ``cinema tokens create``). A booking's
access token (returned by its purchase) comes as the ``X-Booking-Token`` header or, for links
and images in the page, as ``?token=``; the request log never records query strings.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Security
from fastapi.security import APIKeyHeader, APIKeyQuery, HTTPAuthorizationCredentials, HTTPBearer

from cinema_cli.bootstrap import Runtime
from cinema_cli.domain.errors import BookingNotFound
from cinema_cli.services.booking_access import may_read
from cinema_cli.services.ports.staff_tokens import StaffRole, StaffToken
from cinema_cli.services.staff_tokens import authenticate, may
from cinema_cli.web.errors import Forbidden, Unauthorized

StaffCredentials = Annotated[
    HTTPAuthorizationCredentials | None,
    Security(HTTPBearer(auto_error=False, description="A staff token from `cinema tokens`.")),
]
BookingTokenHeader = Annotated[
    str | None,
    Security(APIKeyHeader(name="X-Booking-Token", auto_error=False, scheme_name="BookingToken")),
]
BookingTokenQuery = Annotated[
    str | None,
    Security(APIKeyQuery(name="token", auto_error=False, scheme_name="BookingTokenQuery")),
]


def staff(rt: Runtime, credentials: HTTPAuthorizationCredentials | None, role: StaffRole) -> str:
    """The acting token's audit name (``token:north-gate``), or 401/403."""
    if credentials is None or credentials.scheme.lower() != "bearer":
        raise Unauthorized("this needs a staff token: Authorization: Bearer cin_...")
    token: StaffToken | None = authenticate(rt.staff_tokens, credentials.credentials)
    if token is None:
        raise Unauthorized("the staff token is not valid (unknown or revoked)")
    if not may(token, role):
        raise Forbidden(
            f"a {token.role} token may not do this; it needs the {role} role",
            role=token.role,
            needs=role,
        )
    return f"token:{token.name}"


def booking_reader(rt: Runtime, booking_id: str, header: str | None, query: str | None) -> None:
    """Pass when the request holds this booking's access token.

    No token: 401. A wrong token: 404, the same answer as for a booking that does not
    exist, so ids cannot be probed.
    """
    token = header or query
    if not token:
        raise Unauthorized(
            "this needs the booking's access token (X-Booking-Token header or ?token=)"
        )
    if not may_read(rt.api_secret, booking_id, token):
        raise BookingNotFound(f"no booking {booking_id!r}", booking_id=booking_id)
