"""Booking: hold seats (``seatReservation``), release them, buy them, read the booking."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Header, Request, Response
from fastapi.responses import FileResponse

from cinema_cli.web import shapes
from cinema_cli.web.auth import BookingTokenHeader, BookingTokenQuery, booking_reader
from cinema_cli.web.deps import BookingId, ReservationId, TicketId, runtime
from cinema_cli.web.errors import error_responses
from cinema_cli.web.requests import PurchaseRequest, ReservationRequest

router = APIRouter(prefix="/v1", tags=["book"])

IdempotencyKey = Annotated[
    str,
    Header(
        alias="Idempotency-Key",
        min_length=1,
        max_length=200,
        description="Any unique string per purchase; a retry with the same key charges once.",
    ),
]
SessionHeader = Annotated[
    str,
    Header(alias="X-Session-Id", min_length=1, max_length=64, description="The hold's session."),
]


@router.post(
    "/reservations",
    status_code=201,
    response_model=shapes.ReservationShape,
    summary="Hold seats",
    responses=error_responses(404, 409, 422, 503),
)
def reserve(request: Request, body: ReservationRequest) -> shapes.ReservationShape:
    """``seatReservation(session_id, movie_id, showing_id, seats)``: hold the seats named, or
    the best ``count`` seats of ``category``, for ``CINEMA_HOLD_SECONDS``. ``409
    seat_unavailable`` names the seats that are taken."""
    from cinema_cli.services.seat_reservation import seat_reservation

    rt = runtime(request)
    result = seat_reservation(
        rt.storage,
        rt.clock,
        showing_id=body.showing_id,
        movie_id=body.movie_id,
        session_id=body.session_id,
        seats=body.seats or (),
        count=body.count,
        category=body.category,
        hold_seconds=rt.settings.hold_seconds,
        wheelchair=body.wheelchair,
        together=body.together,
        companion_release_minutes=rt.settings.companion_release_minutes,
    )
    return shapes.reservation(result)


@router.delete(
    "/reservations/{reservation_id}",
    response_model=shapes.ReleaseShape,
    summary="Release a hold",
    responses=error_responses(404, 422, 503),
)
def release(
    request: Request, reservation_id: ReservationId, session: SessionHeader
) -> shapes.ReleaseShape:
    """Give the held seats back at once (the hold's session in ``X-Session-Id``)."""
    from cinema_cli.services.release import release as service

    rt = runtime(request)
    return shapes.release(service(rt.storage, rt.clock, reservation_id, session))


@router.post(
    "/reservations/{reservation_id}/purchase",
    status_code=201,
    response_model=shapes.BookingShape,
    summary="Buy held seats",
    responses={
        200: {"description": "The same purchase again: the first booking, `replayed: true`"},
        **error_responses(402, 404, 409, 422, 503),
    },
)
def purchase(
    request: Request,
    response: Response,
    reservation_id: ReservationId,
    body: PurchaseRequest,
    idempotency_key: IdempotencyKey,
) -> shapes.BookingShape:
    """Pay for a live hold: ``201`` with the BOOKING, its ``access_token`` and download links.
    The same ``Idempotency-Key`` again returns that booking (``200``, ``replayed: true``) and
    charges nothing more; while the first request is still running, ``409`` with
    ``Retry-After``."""
    from cinema_cli.services.booking import buy
    from cinema_cli.services.booking_access import access_token

    rt = runtime(request)
    with request.app.state.inflight.claim(idempotency_key):
        result = buy(
            rt.storage,
            rt.clock,
            rt.box_office,
            reservation_id=reservation_id,
            session_id=body.session_id,
            name=body.name,
            email=body.email,
            card=body.card,
            idempotency_key=idempotency_key,
        )
    if result.replayed:
        response.status_code = 200
    return shapes.purchase(result, access_token(rt.api_secret, result.booking.id))


@router.get(
    "/bookings/{booking_id}",
    response_model=shapes.BookingShape,
    summary="One booking",
    responses=error_responses(401, 404, 503),
)
def booking(
    request: Request,
    booking_id: BookingId,
    header: BookingTokenHeader = None,
    query: BookingTokenQuery = None,
) -> shapes.BookingShape:
    """The BOOKING with each ticket's status; only with the booking's access token."""
    from cinema_cli.services.booking import booking as service

    rt = runtime(request)
    booking_reader(rt, booking_id, header, query)
    return shapes.booking(service(rt.storage, rt.clock, booking_id, office=rt.box_office))


def _ticket_file(request: Request, booking_id: str, token: str | None, pick: str) -> FileResponse:
    from cinema_cli.domain.errors import NotFound
    from cinema_cli.services.booking import booking as service

    rt = runtime(request)
    booking_reader(rt, booking_id, token, None)
    details = service(rt.storage, rt.clock, booking_id, office=rt.box_office)
    files = details.files
    kind, _, ticket_id = pick.partition(":")
    if files is None:
        path = None
    elif kind == "pdf":
        path = files.pdf
    else:
        path = (files.qr_png if kind == "png" else files.qr_svg).get(ticket_id)
    if path is None or not path.is_file():
        raise NotFound(
            f"booking {booking_id} has no such ticket file here",
            code="ticket_file_not_found",
            booking_id=booking_id,
        )
    media = {"pdf": "application/pdf", "png": "image/png", "svg": "image/svg+xml"}[kind]
    return FileResponse(path, media_type=media, headers={"Cache-Control": "private, no-store"})


FILE_RESPONSES = error_responses(401, 404, 503)


@router.get(
    "/bookings/{booking_id}/tickets.pdf",
    response_class=FileResponse,
    summary="E-tickets as PDF",
    responses={200: {"content": {"application/pdf": {}}}, **FILE_RESPONSES},
)
def tickets_pdf(
    request: Request,
    booking_id: BookingId,
    header: BookingTokenHeader = None,
    query: BookingTokenQuery = None,
) -> FileResponse:
    """The printable e-tickets (one page per ticket with its QR code)."""
    return _ticket_file(request, booking_id, header or query, "pdf")


@router.get(
    "/bookings/{booking_id}/tickets/{ticket_id}.png",
    response_class=FileResponse,
    summary="A ticket's QR code (PNG)",
    responses={200: {"content": {"image/png": {}}}, **FILE_RESPONSES},
)
def ticket_png(
    request: Request,
    booking_id: BookingId,
    ticket_id: TicketId,
    header: BookingTokenHeader = None,
    query: BookingTokenQuery = None,
) -> FileResponse:
    return _ticket_file(request, booking_id, header or query, f"png:{ticket_id}")


@router.get(
    "/bookings/{booking_id}/tickets/{ticket_id}.svg",
    response_class=FileResponse,
    summary="A ticket's QR code (SVG)",
    responses={200: {"content": {"image/svg+xml": {}}}, **FILE_RESPONSES},
)
def ticket_svg(
    request: Request,
    booking_id: BookingId,
    ticket_id: TicketId,
    header: BookingTokenHeader = None,
    query: BookingTokenQuery = None,
) -> FileResponse:
    return _ticket_file(request, booking_id, header or query, f"svg:{ticket_id}")
