"""Browsing: search (``searchMovies``), theaters, showtimes, one showing and its seat map."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Annotated

from fastapi import APIRouter, Header, Query, Request, Response

from cinema_cli.web import shapes
from cinema_cli.web.deps import ID_PATTERN, MovieRef, ShowingId, runtime
from cinema_cli.web.errors import error_responses

if TYPE_CHECKING:
    from cinema_cli.web.seat_maps import Key as SeatMapKey
    from cinema_cli.web.seat_maps import SeatMapCache

router = APIRouter(prefix="/v1", tags=["browse"], responses=error_responses(404, 422, 503))

SessionHeader = Annotated[
    str | None,
    Header(
        alias="X-Session-Id",
        max_length=64,
        description="Your session: its holds are marked `mine` in the seat map.",
    ),
]
DateQuery = Annotated[
    str | None,
    Query(
        max_length=10,
        pattern=r"^(\d{4}-\d{2}-\d{2}|today|tomorrow)$",
        description="YYYY-MM-DD, today or tomorrow, in each theater's own zone.",
    ),
]


def _day(text: str | None) -> dt.date | str | None:
    """``YYYY-MM-DD`` as a date; ``today``/``tomorrow`` stay words for the service."""
    if text is None or text in ("today", "tomorrow"):
        return text
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        from cinema_cli.domain.errors import InvalidInput

        raise InvalidInput(f"date: {text!r} is not a date (YYYY-MM-DD)", field="date") from None


@router.get("/movies", response_model=shapes.SearchPageShape, summary="Search movies")
def search_movies(
    request: Request,
    keyword: Annotated[str | None, Query(max_length=200, description="Title words.")] = None,
    city: Annotated[str | None, Query(max_length=200, description="City id or name.")] = None,
    date: DateQuery = None,
    after: Annotated[dt.time | None, Query(description="Local start time from (HH:MM).")] = None,
    before: Annotated[dt.time | None, Query(description="Local start time before.")] = None,
    theater: Annotated[str | None, Query(pattern=ID_PATTERN, description="A theater id.")] = None,
    limit: Annotated[int, Query(ge=1, le=200, description="Showings per page.")] = 50,
    cursor: Annotated[str | None, Query(max_length=200, description="`next` of a page.")] = None,
) -> shapes.SearchPageShape:
    """``searchMovies(keyword, city, dateTime)``: upcoming showings grouped by movie, a page
    of ``limit`` showings at a time; ``next`` is the cursor of the following page (or null)."""
    from cinema_cli.services.search_pages import search_page

    rt = runtime(request)
    page = search_page(
        rt.storage,
        rt.clock,
        keyword=keyword,
        city=city,
        date=_day(date),
        after=after.replace(tzinfo=None) if after else None,
        before=before.replace(tzinfo=None) if before else None,
        theater_id=theater,
        limit=limit,
        cursor=cursor,
    )
    return shapes.search_page(page)


@router.get("/theaters", response_model=shapes.TheatersShape, summary="List theaters")
def list_theaters(
    request: Request,
    city: Annotated[str | None, Query(max_length=200, description="City id or name.")] = None,
) -> shapes.TheatersShape:
    """Theaters with their rooms, optionally in one city."""
    from cinema_cli.services.catalog import list_theaters as service

    rt = runtime(request)
    return shapes.theaters(service(rt.storage, city))


@router.get("/movies/{movie}/showings", response_model=shapes.ShowtimesShape, summary="Showtimes")
def movie_showings(
    request: Request,
    movie: MovieRef,
    city: Annotated[str | None, Query(max_length=200)] = None,
    date: DateQuery = None,
    theater: Annotated[str | None, Query(pattern=ID_PATTERN)] = None,
    limit: Annotated[int | None, Query(ge=1, le=1000)] = None,
) -> shapes.ShowtimesShape:
    """One movie's upcoming showings (``movie`` is an id or an unambiguous title)."""
    from cinema_cli.services.catalog import showtimes

    rt = runtime(request)
    found = showtimes(rt.storage, rt.clock, movie, city, _day(date), theater, limit)
    return shapes.showtimes(found)


@router.get("/showings/{showing_id}", response_model=shapes.ShowingShape, summary="One showing")
def one_showing(request: Request, showing_id: ShowingId) -> shapes.ShowingShape:
    """The SHOWING shape, with seats available now."""
    from cinema_cli.services.seats import seat_map

    rt = runtime(request)
    return shapes.showing(seat_map(rt.storage, rt.clock, showing_id).showing)


def _not_modified(if_none_match: str | None, etag: str) -> bool:
    if not if_none_match:
        return False
    tags = {tag.strip().removeprefix("W/") for tag in if_none_match.split(",")}
    return etag in tags or "*" in tags


@router.get(
    "/showings/{showing_id}/seats",
    response_model=shapes.SeatsShape,
    summary="Seat map",
    responses={304: {"description": "Not modified since the ETag given in If-None-Match"}},
)
async def seats(
    request: Request,
    showing_id: ShowingId,
    session: SessionHeader = None,
    if_none_match: Annotated[str | None, Header(max_length=1000)] = None,
) -> Response:
    """Every seat with its status now. Send the ``ETag`` back in ``If-None-Match`` to get
    ``304`` while nothing changed."""
    cache: SeatMapCache = request.app.state.seat_maps
    key = (showing_id, session)
    found = None
    if cache.on_loop:
        # A kept map is served here on the event loop: the hop to a worker thread and back
        # cost more than the whole look-up (measured in docs/benchmarks.md).
        found = _kept_body(request, cache, key)
    if found is None:
        from starlette.concurrency import run_in_threadpool

        found = await run_in_threadpool(_seat_map_body, request, cache, key)
    body, etag = found
    # A Response is returned: FastAPI neither validates nor serializes it (response_model
    # only documents the shape).
    headers = {"ETag": etag, "Cache-Control": "no-cache", "Vary": "X-Session-Id"}
    if _not_modified(if_none_match, etag):
        return Response(status_code=304, headers=headers)
    return Response(body, media_type="application/json", headers=headers)


def _kept_body(request: Request, cache: SeatMapCache, key: SeatMapKey) -> tuple[bytes, str] | None:
    """The kept SEATS body and ETag, if one is still valid."""
    token = cache.token()
    if token is None:
        return None
    kept = cache.get(key, token, runtime(request).clock())
    return None if kept is None else (kept.body, kept.etag)


def _seat_map_body(request: Request, cache: SeatMapCache, key: SeatMapKey) -> tuple[bytes, str]:
    """The SEATS body and ETag: kept, or drawn now (and kept when the store can tell)."""
    from cinema_cli.services.seats import seat_map
    from cinema_cli.web.seat_maps import etag_of, render

    rt = runtime(request)
    token = cache.token()  # before anything is read: a commit from now on moves it
    if token is not None:
        kept = cache.get(key, token, rt.clock())
        if kept is not None:
            return kept.body, kept.etag
    showing_id, session = key
    found = seat_map(rt.storage, rt.clock, showing_id, session_id=session)
    body = render(found)
    if token is None:
        return body, etag_of(body)
    return body, cache.put(key, token, found, body).etag


@router.get(
    "/showings/{showing_id}/seats.svg",
    summary="Seat map as SVG",
    response_class=Response,
    responses={200: {"content": {"image/svg+xml": {}}, "description": "The seat map drawing"}},
)
def seats_svg(request: Request, showing_id: ShowingId, session: SessionHeader = None) -> Response:
    """The seat map drawn as SVG (the page shows it; ``cinema seats --format svg`` too)."""
    from cinema_cli.services.seats import seat_map

    rt = runtime(request)
    found = seat_map(rt.storage, rt.clock, showing_id, session_id=session)
    return Response(
        shapes.seat_map_svg(found),
        media_type="image/svg+xml",
        headers={"Cache-Control": "no-store", "Vary": "X-Session-Id"},
    )
