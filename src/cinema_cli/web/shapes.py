"""Every JSON shape the HTTP API answers with, in one place: each hands over to the presenter.

The handlers call only these functions, so ``--json`` and HTTP print the same shapes (the HTTP
booking adds ``downloads`` and, right after a purchase, ``access_token``). The aliases are the
response models the OpenAPI document shows.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from cinema_cli.present import api as api_shapes
from cinema_cli.present.booking import ReservationShape as ReservationShape
from cinema_cli.present.catalog import SeatsShape as SeatsShape
from cinema_cli.present.catalog import ShowtimesShape as ShowtimesShape
from cinema_cli.present.catalog import TheatersShape as TheatersShape
from cinema_cli.present.common import ShowingShape as ShowingShape
from cinema_cli.present.imports import ImportReportShape
from cinema_cli.present.tickets import CancellationShape as CancellationShape
from cinema_cli.present.tickets import CheckinShape as CheckinShape

if TYPE_CHECKING:
    from cinema_cli.services.bookings import BookingDetails
    from cinema_cli.services.cancellation import Cancellation
    from cinema_cli.services.catalog import ShowingInfo, Showtimes, TheaterList
    from cinema_cli.services.checkin import CheckIn
    from cinema_cli.services.imports import ImportReport
    from cinema_cli.services.purchase import Purchase
    from cinema_cli.services.release import Release
    from cinema_cli.services.reservations import ReserveResult
    from cinema_cli.services.search_pages import SearchPage
    from cinema_cli.services.seats import SeatMap

# The search page and the HTTP booking extend presenter shapes with HTTP-only keys.
SearchPageShape = dict[str, Any]
BookingShape = dict[str, Any]
ImportShape = ImportReportShape
ReleaseShape = api_shapes.ReleaseShape
HealthShape = api_shapes.HealthShape


def search_page(page: SearchPage) -> SearchPageShape:
    from cinema_cli.present.catalog import search

    return api_shapes.search_page(dict(search(page.result)), page.next_cursor)


def theaters(result: TheaterList) -> TheatersShape:
    from cinema_cli.present.catalog import theaters as shape

    return shape(result)


def showtimes(result: Showtimes) -> ShowtimesShape:
    from cinema_cli.present.catalog import showtimes as shape

    return shape(result)


def showing(info: ShowingInfo) -> ShowingShape:
    from cinema_cli.present.catalog import showing_info

    return showing_info(info)


def seat_map(result: SeatMap) -> SeatsShape:
    from cinema_cli.present.catalog import seats

    return seats(result)


def seat_map_svg(result: SeatMap) -> str:
    from cinema_cli.present.seatmap_svg import seat_map_svg as draw

    return draw(result)


def reservation(result: ReserveResult) -> ReservationShape:
    from cinema_cli.present.booking import reservation as shape

    return shape(result)


def release(result: Release) -> ReleaseShape:
    return api_shapes.release(result)


def purchase(result: Purchase, access_token: str) -> BookingShape:
    from cinema_cli.present.booking import purchase as shape

    return api_shapes.with_access(dict(shape(result)), access_token)


def booking(details: BookingDetails) -> BookingShape:
    from cinema_cli.present.booking import booking as shape

    return api_shapes.with_access(dict(shape(details)), None)


def checkin(result: CheckIn) -> CheckinShape:
    from cinema_cli.present.tickets import checkin_view

    return checkin_view(result)


def cancellation(result: Cancellation) -> CancellationShape:
    from cinema_cli.present.tickets import cancellation_view

    return cancellation_view(result)


def import_report(report: ImportReport) -> ImportShape:
    from cinema_cli.present.imports import import_report as shape

    return shape(report)


def health(status: str) -> HealthShape:
    return api_shapes.health(status)
