"""Every JSON shape the HTTP API answers with, in one place.

The handlers call only these functions, which hand over to the presenter. Some shapes are
still built by the services' view functions while the presenter package grows; once
``cinema_cli.present`` has them (catalog, booking, tickets, imports), only this module
changes. The aliases below are the response models the OpenAPI document shows.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from cinema_cli.present import api as api_shapes
from cinema_cli.present.common import ShowingShape as ShowingShape  # re-exported: a response model
from cinema_cli.present.common import showing as showing_shape

if TYPE_CHECKING:
    from cinema_cli.services.booking import BookingDetails, Purchase, ReserveResult
    from cinema_cli.services.cancellation import Cancellation
    from cinema_cli.services.catalog import SeatMap, ShowingInfo, Showtimes, TheaterList
    from cinema_cli.services.checkin import CheckIn
    from cinema_cli.services.imports import ImportReport
    from cinema_cli.services.release import Release
    from cinema_cli.services.search_pages import SearchPage

# Response models: precise where the presenter has a TypedDict, open objects elsewhere.
SearchPageShape = dict[str, Any]
TheatersShape = dict[str, Any]
ShowtimesShape = dict[str, Any]
SeatsShape = dict[str, Any]
ReservationShape = dict[str, Any]
BookingShape = dict[str, Any]
CheckinShape = dict[str, Any]
CancellationShape = dict[str, Any]
ImportShape = dict[str, Any]
ReleaseShape = api_shapes.ReleaseShape
HealthShape = api_shapes.HealthShape


def search_page(page: SearchPage) -> SearchPageShape:
    return api_shapes.search_page(page.result.view(), page.next_cursor)


def theaters(result: TheaterList) -> TheatersShape:
    return result.view()


def showtimes(result: Showtimes) -> ShowtimesShape:
    return result.view()


def showing(info: ShowingInfo) -> ShowingShape:
    return showing_shape(info.showing, info.theater, movie=info.movie, seats_taken=info.seats_taken)


def seat_map(result: SeatMap) -> SeatsShape:
    return result.view()


def seat_map_svg(result: SeatMap) -> str:
    from cinema_cli.present.seatmap_svg import seat_map_svg as draw

    return draw(result)


def reservation(result: ReserveResult) -> ReservationShape:
    from cinema_cli.services.booking import reservation_view

    return reservation_view(result)


def release(result: Release) -> ReleaseShape:
    return api_shapes.release(result)


def purchase(result: Purchase, access_token: str) -> BookingShape:
    from cinema_cli.services.booking import purchase_view

    return api_shapes.with_access(purchase_view(result), access_token)


def booking(details: BookingDetails) -> BookingShape:
    from cinema_cli.services.booking import booking_view

    view = booking_view(
        details.booking,
        details.context,
        details.files,
        details.confirmation,
        seats_taken=details.seats_taken,
    )
    return api_shapes.with_access(view, None)


def checkin(result: CheckIn) -> CheckinShape:
    from cinema_cli.services.checkin import checkin_view

    return checkin_view(result)


def cancellation(result: Cancellation) -> CancellationShape:
    from cinema_cli.services.cancellation import cancellation_view

    return cancellation_view(result)


def import_report(report: ImportReport) -> ImportShape:
    return report.as_dict()


def health(status: str) -> HealthShape:
    return api_shapes.health(status)
