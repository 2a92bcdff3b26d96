"""Staff work behind bearer tokens: check-in at the door (``door``), cancel and refund
(``office``), import and export the programme (``admin``), with the CLI's reports."""

from __future__ import annotations

import datetime as dt
import io
from typing import Annotated, Literal

from fastapi import APIRouter, Query, Request, Response
from starlette.concurrency import run_in_threadpool

from cinema_cli.web import shapes
from cinema_cli.web.auth import StaffCredentials, staff
from cinema_cli.web.deps import ID_PATTERN, BookingId, runtime
from cinema_cli.web.errors import error_responses
from cinema_cli.web.requests import CancelRequest, CheckinRequest

router = APIRouter(
    prefix="/v1", tags=["staff"], responses=error_responses(401, 403, 404, 409, 422, 503)
)

FEED_TYPES = {"csv": "text/csv", "json": "application/json", "jsonl": "application/x-ndjson"}


@router.post("/checkins", response_model=shapes.CheckinShape, summary="Admit a ticket (door)")
def checkin(
    request: Request, body: CheckinRequest, credentials: StaffCredentials = None
) -> shapes.CheckinShape:
    """Verify a ticket code and mark it used; a second scan gets ``409 already_checked_in``."""
    from cinema_cli.services.checkin import check_in

    rt = runtime(request)
    actor = staff(rt, credentials, "door")
    result = check_in(
        rt.storage, rt.clock, rt.ticket_verifier, body.code, gate=body.gate, actor=actor
    )
    return shapes.checkin(result)


@router.post(
    "/bookings/{booking_id}/cancel",
    response_model=shapes.CancellationShape,
    summary="Cancel and refund (office)",
)
def cancel(
    request: Request,
    booking_id: BookingId,
    body: CancelRequest | None = None,
    credentials: StaffCredentials = None,
) -> shapes.CancellationShape:
    """Cancel a booking's tickets (all, or the seats named) and refund them; idempotent."""
    from cinema_cli.services.cancellation import cancel as service

    rt = runtime(request)
    actor = staff(rt, credentials, "office")
    result = service(
        rt.storage,
        rt.clock,
        rt.payments,
        rt.cancellation_mail,
        booking_id,
        tickets=body.tickets if body else None,
        cancel_minutes=rt.settings.cancel_minutes,
        actor=actor,
    )
    return shapes.cancellation(result)


FeedQuery = Annotated[Literal["csv", "json", "jsonl"], Query(description="The feed's format.")]


@router.post(
    "/imports/showtimes",
    response_model=shapes.ImportShape,
    summary="Import showtimes (admin)",
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {media: {"schema": {"type": "string"}} for media in FEED_TYPES.values()},
        }
    },
)
async def import_showtimes(
    request: Request,
    format: FeedQuery = "csv",
    dry_run: bool = False,
    skip_invalid: bool = False,
    strict: bool = False,
    prune: Annotated[str | None, Query(pattern=ID_PATTERN, description="A theater id.")] = None,
    credentials: StaffCredentials = None,
) -> shapes.ImportShape:
    """The body is the feed, as for ``cinema import showtimes``; the answer is its report."""
    staff(runtime(request), credentials, "admin")  # before taking a large body
    feed = await request.body()

    def work() -> shapes.ImportShape:
        from cinema_cli.services.imports import import_showtimes as service

        rt = runtime(request)
        report = service(
            rt.storage,
            rt.clock,
            io.BytesIO(feed),
            format,
            strict=strict,
            skip_invalid=skip_invalid,
            dry_run=dry_run,
            prune_theater=prune,
            feed_name="request body",
        )
        return shapes.import_report(report)

    return await run_in_threadpool(work)


@router.post(
    "/imports/theaters",
    response_model=shapes.ImportShape,
    summary="Import theaters and movies (admin)",
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {FEED_TYPES[f]: {"schema": {"type": "string"}} for f in ("json", "jsonl")},
        }
    },
)
async def import_theaters(
    request: Request,
    format: Annotated[Literal["json", "jsonl"], Query()] = "json",
    dry_run: bool = False,
    credentials: StaffCredentials = None,
) -> shapes.ImportShape:
    """Cities, theaters (rooms, seat layouts) and movies, as for ``cinema import theaters``."""
    staff(runtime(request), credentials, "admin")
    feed = await request.body()

    def work() -> shapes.ImportShape:
        from cinema_cli.services.imports import import_theaters as service

        rt = runtime(request)
        report = service(
            rt.storage, rt.clock, io.BytesIO(feed), format, dry_run=dry_run, feed_name="request"
        )
        return shapes.import_report(report)

    return await run_in_threadpool(work)


@router.get(
    "/exports/showtimes",
    summary="Export showtimes (admin)",
    response_class=Response,
    responses={200: {"content": {media: {} for media in FEED_TYPES.values()}}},
)
def export_showtimes(
    request: Request,
    format: FeedQuery = "csv",
    theater: Annotated[str | None, Query(pattern=ID_PATTERN)] = None,
    from_day: Annotated[dt.date | None, Query(alias="from")] = None,
    to_day: Annotated[dt.date | None, Query(alias="to")] = None,
    credentials: StaffCredentials = None,
) -> Response:
    """Scheduled showings as a feed that the import takes back unchanged."""
    from cinema_cli.services.imports import export_showtimes as service

    rt = runtime(request)
    staff(rt, credentials, "admin")
    out = io.BytesIO()
    service(rt.storage, out, format, theater_id=theater, from_day=from_day, to_day=to_day)
    return Response(out.getvalue(), media_type=FEED_TYPES[format])
