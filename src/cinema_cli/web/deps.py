"""What handlers share: the runtime of the current thread, and path parameter types."""

from __future__ import annotations

from typing import Annotated

from fastapi import Path, Request

from cinema_cli.bootstrap import Runtime

ID_PATTERN = r"^[^\x00-\x1f\x7f/]{1,200}$"

ShowingId = Annotated[str, Path(pattern=ID_PATTERN, description="A showing id from search.")]
ReservationId = Annotated[str, Path(pattern=ID_PATTERN, description="From POST /v1/reservations.")]
BookingId = Annotated[str, Path(pattern=ID_PATTERN, description="From the purchase.")]
TicketId = Annotated[str, Path(pattern=ID_PATTERN, description="A ticket of the booking.")]
MovieRef = Annotated[str, Path(pattern=ID_PATTERN, description="A movie id or a unique title.")]


def runtime(request: Request) -> Runtime:
    """A runtime for this request, made in the calling thread (call it inside the handler:
    FastAPI may run a dependency and its handler on different threads)."""
    pool = request.app.state.runtimes
    result: Runtime = pool.get()
    return result
