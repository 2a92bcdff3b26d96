"""The booking use cases in one import: reserve seats, buy them, look bookings up.

Each lives in its own module; this one gathers their public names for callers that
want the whole box office (``from cinema_cli.services import booking``):

- :mod:`~cinema_cli.services.reservations`: :func:`reserve` (``cinema reserve``);
- :mod:`~cinema_cli.services.purchase`: :func:`buy`, :class:`BoxOffice`, refunds of late
  payments, :func:`demo_booking`;
- :mod:`~cinema_cli.services.delivery`: the e-tickets and confirmation of a booking;
- :mod:`~cinema_cli.services.bookings`: :func:`booking`, :func:`bookings_by_email`;
- :mod:`~cinema_cli.services.showing_context`: :func:`load_showing_context`.

The JSON shapes of their results are built in :mod:`cinema_cli.present.booking`.
"""

from __future__ import annotations

from cinema_cli.services.bookings import BookingDetails, booking, bookings_by_email
from cinema_cli.services.delivery import eticket_document
from cinema_cli.services.purchase import (
    DEMO_BUYER,
    BoxOffice,
    Purchase,
    buy,
    demo_booking,
)
from cinema_cli.services.reservations import (
    ReserveResult,
    new_session_id,
    parse_category,
    reserve,
)
from cinema_cli.services.showing_context import ShowingContext, load_showing_context

__all__ = [
    "DEMO_BUYER",
    "BookingDetails",
    "BoxOffice",
    "Purchase",
    "ReserveResult",
    "ShowingContext",
    "booking",
    "bookings_by_email",
    "buy",
    "demo_booking",
    "eticket_document",
    "load_showing_context",
    "new_session_id",
    "parse_category",
    "reserve",
]
