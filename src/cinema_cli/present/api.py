"""Shapes only the HTTP API has: a search page, a purchase with its access token, a released
hold, staff tokens, and the health checks. Each builds on a documented shape and only adds keys.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from typing_extensions import TypedDict  # pydantic reads these on 3.11

from cinema_cli.domain.models import utc_text
from cinema_cli.present.common import MoneyShape, money

if TYPE_CHECKING:
    from cinema_cli.services.ports.staff_tokens import StaffToken
    from cinema_cli.services.release import Release


class ReleaseShape(TypedDict):
    reservation_id: str
    showing_id: str
    seats: list[str]
    total: MoneyShape
    released: bool


class StaffTokenShape(TypedDict):
    id: str
    name: str
    role: str
    created_at: str
    revoked_at: str | None


class NewStaffTokenShape(StaffTokenShape):
    token: str
    """The secret: shown once, never stored."""


class HealthShape(TypedDict):
    status: str


class Downloads(TypedDict):
    pdf: str
    qr_png: dict[str, str]
    qr_svg: dict[str, str]


def search_page(search: dict[str, Any], next_cursor: str | None) -> dict[str, Any]:
    """The ``search`` shape of one page plus ``next``: the cursor of the next page, or null."""
    return {**search, "next": next_cursor}


def downloads(booking_id: str, ticket_ids: list[str]) -> Downloads:
    """Where a booking's files are served (each needs the booking's access token)."""
    base = f"/v1/bookings/{booking_id}"
    return {
        "pdf": f"{base}/tickets.pdf",
        "qr_png": {ticket: f"{base}/tickets/{ticket}.png" for ticket in ticket_ids},
        "qr_svg": {ticket: f"{base}/tickets/{ticket}.svg" for ticket in ticket_ids},
    }


SERVER_PATHS = ("eticket_pdf", "confirmation_eml", "qr_png", "qr_svg")
"""Keys of the BOOKING shape that hold paths on the server's disk: null over HTTP, where
``downloads`` gives the URLs instead (and a client has no business knowing the paths)."""


def with_access(booking: dict[str, Any], access_token: str | None) -> dict[str, Any]:
    """A BOOKING shape (``buy``'s, with ``replayed``) plus ``downloads`` and, right after the
    purchase, the ``access_token`` that reads the booking later. Server paths are null."""
    tickets = [ticket["ticket_id"] for ticket in booking.get("tickets", [])]
    document = {
        **{key: None if key in SERVER_PATHS else value for key, value in booking.items()},
        "tickets": [
            {
                key: None if key in SERVER_PATHS else value
                for key, value in ticket.items()
                if key != "wallet_pkpass"  # a server path too, and never null in the shape
            }
            for ticket in booking.get("tickets", [])
        ],
        "downloads": downloads(booking["booking_id"], tickets),
    }
    if access_token is not None:
        document["access_token"] = access_token
    return document


def release(value: Release) -> ReleaseShape:
    reservation = value.reservation
    return {
        "reservation_id": reservation.id,
        "showing_id": reservation.showing_id,
        "seats": list(reservation.seats),
        "total": money(reservation.total),
        "released": True,
    }


def staff_token(value: StaffToken) -> StaffTokenShape:
    return {
        "id": value.id,
        "name": value.name,
        "role": value.role,
        "created_at": utc_text(value.created_at),
        "revoked_at": utc_text(value.revoked_at) if value.revoked_at else None,
    }


def new_staff_token(value: StaffToken, secret: str) -> NewStaffTokenShape:
    return {**staff_token(value), "token": secret}


def health(status: str) -> HealthShape:
    return {"status": status}
