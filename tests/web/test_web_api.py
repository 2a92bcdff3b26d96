"""The booking API through its ASGI test client, on the demo data (JSON backend)."""

from __future__ import annotations

from typing import Any

import pytest
from web_support import BUYER, DemoStore, first_showing, free_seats

from schema_support import assert_shape


def error_of(response: Any, status: int, code: str) -> dict[str, Any]:
    assert response.status_code == status, response.text
    document: dict[str, Any] = response.json()
    assert_shape("error", document)
    assert document["error"]["code"] == code, document
    error: dict[str, Any] = document["error"]
    return error


def hold(client: Any, showing_id: str, **body: Any) -> dict[str, Any]:
    response = client.post("/v1/reservations", json={"showing_id": showing_id, **body})
    assert response.status_code == 201, response.text
    reservation: dict[str, Any] = response.json()
    return reservation


def buy(client: Any, reservation: dict[str, Any], key: str = "key-1", **changes: Any) -> Any:
    body = {"session_id": reservation["session_id"], **BUYER, **changes}
    return client.post(
        f"/v1/reservations/{reservation['reservation_id']}/purchase",
        json=body,
        headers={"Idempotency-Key": key},
    )


# -- browsing ----------------------------------------------------------------------------------
def test_search_pages_through_every_showing_with_a_cursor(client: Any, store: DemoStore) -> None:
    everything = store.cli_json("search", "--limit", "0")
    seen: list[str] = []
    cursor = None
    while True:
        params: dict[str, Any] = {"limit": 97}
        if cursor:
            params["cursor"] = cursor
        page = client.get("/v1/movies", params=params).json()
        assert set(page) == {"movies", "count", "truncated", "next"}
        for movie in page["movies"]:
            for showing in movie["showings"]:
                assert_shape("showing", showing)
                seen.append(showing["id"])
        cursor = page["next"]
        if cursor is None:
            break
        assert page["count"] == 97
    expected = [s["id"] for m in everything["movies"] for s in m["showings"]]
    assert sorted(seen) == sorted(expected)
    assert len(seen) == len(set(seen))


def test_search_filters_by_keyword_city_and_date(client: Any) -> None:
    showing = first_showing(client)
    day = showing["starts_at"][:10]
    page = client.get(
        "/v1/movies",
        params={"keyword": showing["movie_title"], "city": showing["theater"]["city"], "date": day},
    ).json()
    ids = [s["id"] for m in page["movies"] for s in m["showings"]]
    assert showing["id"] in ids
    assert all(m["title"] == showing["movie_title"] for m in page["movies"])


def test_a_bad_cursor_or_date_is_a_422_naming_the_field(client: Any) -> None:
    assert (
        error_of(client.get("/v1/movies?cursor=nonsense"), 422, "invalid_input")["details"]["field"]
        == "cursor"
    )
    assert (
        error_of(client.get("/v1/movies?date=2026-13-45"), 422, "invalid_input")["details"]["field"]
        == "date"
    )
    assert (
        error_of(client.get("/v1/movies?limit=0"), 422, "invalid_input")["details"]["field"]
        == "limit"
    )


def test_an_unknown_city_is_a_404_that_lists_the_known_ones(client: Any) -> None:
    failure = error_of(client.get("/v1/movies?city=atlantis"), 404, "city_not_found")
    assert failure["details"]["known"]


def test_theaters_showtimes_and_one_showing(client: Any) -> None:
    theaters = client.get("/v1/theaters").json()["theaters"]
    for theater in theaters:
        assert_shape("theater", theater)
    showing = first_showing(client)
    one = client.get(f"/v1/showings/{showing['id']}").json()
    assert_shape("showing", one)
    assert one["id"] == showing["id"]
    times = client.get(f"/v1/movies/{showing['movie_id']}/showings").json()
    assert times["movie"]["id"] == showing["movie_id"]
    assert showing["id"] in [s["id"] for s in times["showings"]]
    error_of(client.get("/v1/showings/no-such-showing"), 404, "showing_not_found")
    error_of(client.get("/v1/movies/no-such-movie/showings"), 404, "movie_not_found")


def test_the_seat_map_has_an_etag_and_answers_304_until_it_changes(client: Any) -> None:
    showing = first_showing(client)
    url = f"/v1/showings/{showing['id']}/seats"
    first = client.get(url)
    assert first.status_code == 200
    assert set(first.json()) >= {"showing", "seats", "available", "layout"}
    etag = first.headers["ETag"]
    again = client.get(url, headers={"If-None-Match": etag})
    assert again.status_code == 304
    assert again.headers["ETag"] == etag
    hold(client, showing["id"], count=1)
    changed = client.get(url, headers={"If-None-Match": etag})
    assert changed.status_code == 200
    assert changed.headers["ETag"] != etag


def test_the_seat_map_svg_draws_every_seat_and_marks_my_hold(client: Any) -> None:
    showing = first_showing(client)
    reservation = hold(client, showing["id"], count=2)
    svg = client.get(
        f"/v1/showings/{showing['id']}/seats.svg",
        headers={"X-Session-Id": reservation["session_id"]},
    )
    assert svg.status_code == 200
    assert svg.headers["content-type"].startswith("image/svg+xml")
    from xml.etree import ElementTree

    drawing = ElementTree.fromstring(svg.text)  # a well-formed, standalone document
    assert drawing.tag == "{http://www.w3.org/2000/svg}svg"
    seats = client.get(f"/v1/showings/{showing['id']}/seats").json()["seats"]
    assert svg.text.count("data-seat=") == len(seats)
    for seat in reservation["seats"]:
        assert f'data-seat="{seat}" data-status="held"' in svg.text
    assert svg.text.count(' mine" data-seat=') == 2
    assert "SCREEN" in svg.text


# -- reservations ------------------------------------------------------------------------------
def test_a_reservation_is_201_and_the_same_seats_again_409_naming_them(client: Any) -> None:
    showing = first_showing(client)
    seats = free_seats(client, showing["id"], 2)
    reservation = hold(
        client, showing["id"], movie_id=showing["movie_id"], session_id="web-1", seats=seats
    )
    assert reservation["seats"] == seats
    assert reservation["session_id"] == "web-1"
    taken = client.post("/v1/reservations", json={"showing_id": showing["id"], "seats": seats})
    assert error_of(taken, 409, "seat_unavailable")["details"]["seats"] == seats


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"seats": ["C1"], "count": 2}, "seats"),
        ({}, "seats"),
        ({"count": 0}, "count"),
        ({"seats": "C1"}, "seats"),
        ({"count": 2, "movie_id": "another-movie"}, "movie_id"),
        ({"count": 2, "color": "red"}, "color"),
        ({"count": 2, "category": "balcony"}, "category"),
    ],
)
def test_a_malformed_reservation_is_a_422_naming_the_field(
    client: Any, body: dict[str, Any], field: str
) -> None:
    showing = first_showing(client)
    response = client.post("/v1/reservations", json={"showing_id": showing["id"], **body})
    assert response.status_code == 422, response.text
    assert response.json()["error"]["details"]["field"] == field


def test_a_wheelchair_space_is_held_with_its_companion_seat(client: Any) -> None:
    showing = first_showing(client)
    response = client.post(
        "/v1/reservations", json={"showing_id": showing["id"], "count": 2, "wheelchair": 1}
    )
    assert response.status_code == 201, response.text
    held = response.json()["seats"]
    seats = client.get(f"/v1/showings/{showing['id']}/seats").json()["seats"]
    category = {seat["id"]: seat for seat in seats}
    assert sorted(category[seat]["category"] for seat in held) == ["companion", "wheelchair"]
    companion = next(seat for seat in held if category[seat]["category"] == "companion")
    space = next(seat for seat in held if category[seat]["category"] == "wheelchair")
    assert category[companion]["companion_of"] == space


def test_a_reservation_for_an_unknown_showing_is_404(client: Any) -> None:
    response = client.post("/v1/reservations", json={"showing_id": "nope", "count": 1})
    error_of(response, 404, "showing_not_found")


def test_releasing_a_hold_frees_its_seats_at_once(client: Any, store: DemoStore) -> None:
    showing = first_showing(client)
    reservation = hold(client, showing["id"], count=2)
    url = f"/v1/reservations/{reservation['reservation_id']}"
    error_of(
        client.delete(url, headers={"X-Session-Id": "someone-else"}), 404, "reservation_not_found"
    )
    released = client.delete(url, headers={"X-Session-Id": reservation["session_id"]})
    assert released.status_code == 200
    assert released.json()["released"] is True
    again = hold(client, showing["id"], seats=reservation["seats"])
    assert again["seats"] == reservation["seats"]
    actions = [e["action"] for e in store.cli_json("log")["entries"]]
    assert "release" in actions


# -- purchase ----------------------------------------------------------------------------------
def test_a_purchase_is_201_with_an_access_token_and_a_retry_200_replayed(
    client: Any, store: DemoStore
) -> None:
    showing = first_showing(client)
    reservation = hold(client, showing["id"], count=2)
    charges_before = set(store.charges())
    first = buy(client, reservation, key="order-17")
    assert first.status_code == 201, first.text
    booking = first.json()
    assert booking["replayed"] is False
    assert booking["seats"] == reservation["seats"]
    assert booking["access_token"]
    assert_shape("showing", booking["showing"])
    again = buy(client, reservation, key="order-17")
    assert again.status_code == 200
    assert again.json()["booking_id"] == booking["booking_id"]
    assert again.json()["replayed"] is True
    assert set(store.charges()) - charges_before == {"order-17"}
    other = buy(client, reservation, key="order-17", email="eve@example.com")
    error_of(other, 409, "idempotency_key_reused")


def test_a_purchase_needs_an_idempotency_key(client: Any) -> None:
    showing = first_showing(client)
    reservation = hold(client, showing["id"], count=1)
    response = client.post(
        f"/v1/reservations/{reservation['reservation_id']}/purchase",
        json={"session_id": reservation["session_id"], **BUYER},
    )
    assert error_of(response, 422, "invalid_input")["details"]["field"] == "Idempotency-Key"


def test_a_declined_card_is_402_and_a_bad_card_422_without_echoing_it(client: Any) -> None:
    showing = first_showing(client)
    reservation = hold(client, showing["id"], count=1)
    error_of(buy(client, reservation, key="d1", card="4000000000000002"), 402, "payment_declined")
    bad = buy(client, reservation, key="d2", card="4242424242424241")
    assert "4242424242424241" not in bad.text
    error_of(bad, 422, "invalid_card")
    long_card = buy(client, reservation, key="d3", card="4" * 60)
    assert "4" * 60 not in long_card.text
    error_of(long_card, 422, "invalid_input")


def test_a_duplicate_purchase_in_flight_is_409_with_retry_after(client: Any) -> None:
    showing = first_showing(client)
    reservation = hold(client, showing["id"], count=1)
    with client.app.state.inflight.claim("busy-key"):
        response = buy(client, reservation, key="busy-key")
    error_of(response, 409, "request_in_progress")
    assert response.headers["Retry-After"] == "1"
    assert buy(client, reservation, key="busy-key").status_code == 201


def test_a_booking_and_its_files_need_its_access_token(client: Any) -> None:
    showing = first_showing(client)
    booking = buy(client, hold(client, showing["id"], count=2)).json()
    url = f"/v1/bookings/{booking['booking_id']}"
    error_of(client.get(url), 401, "unauthorized")
    error_of(client.get(url, headers={"X-Booking-Token": "guess"}), 404, "booking_not_found")
    other = booking["access_token"][:-2] + "xx"
    error_of(client.get(url, params={"token": other}), 404, "booking_not_found")
    read = client.get(url, headers={"X-Booking-Token": booking["access_token"]})
    assert read.status_code == 200
    assert read.json()["booking_id"] == booking["booking_id"]
    assert "access_token" not in read.json()
    token = {"token": booking["access_token"]}
    pdf = client.get(booking["downloads"]["pdf"], params=token)
    assert pdf.status_code == 200
    assert pdf.content.startswith(b"%PDF")
    for ticket in booking["tickets"]:
        png = client.get(booking["downloads"]["qr_png"][ticket["ticket_id"]], params=token)
        assert png.content.startswith(b"\x89PNG")
        svg = client.get(booking["downloads"]["qr_svg"][ticket["ticket_id"]], params=token)
        assert b"<svg" in svg.content
    error_of(client.get(booking["downloads"]["pdf"]), 401, "unauthorized")
    error_of(client.get(f"{url}/tickets/t-nope.png", params=token), 404, "ticket_file_not_found")


# -- staff -------------------------------------------------------------------------------------
def staff_token(store: DemoStore, role: str, name: str) -> dict[str, str]:
    made = store.cli_json("tokens", "create", "--role", role, "--name", name)
    return {"Authorization": f"Bearer {made['token']}"}


def test_check_in_needs_a_door_token_and_admits_once(client: Any, store: DemoStore) -> None:
    showing = first_showing(client)
    booking = buy(client, hold(client, showing["id"], count=1)).json()
    code = booking["tickets"][0]["code"]
    error_of(client.post("/v1/checkins", json={"code": code}), 401, "unauthorized")
    bogus = {"Authorization": "Bearer cin_not-a-token"}
    error_of(client.post("/v1/checkins", json={"code": code}, headers=bogus), 401, "unauthorized")
    door = staff_token(store, "door", "north-gate")
    # The demo showing has not started: the ticket is genuine but not valid yet.
    early = client.post("/v1/checkins", json={"code": code, "gate": "north"}, headers=door)
    assert early.status_code in (200, 409), early.text
    if early.status_code == 409:
        assert early.json()["error"]["code"] == "not_valid_now"
    error_of(
        client.post("/v1/checkins", json={"code": "garbage"}, headers=door), 422, "invalid_ticket"
    )


def test_cancel_needs_an_office_token_and_refunds(client: Any, store: DemoStore) -> None:
    showing = first_showing(client)
    booking = buy(client, hold(client, showing["id"], count=2)).json()
    url = f"/v1/bookings/{booking['booking_id']}/cancel"
    door = staff_token(store, "door", "gate-2")
    error_of(client.post(url, headers=door), 403, "forbidden")
    office = staff_token(store, "office", "box-office")
    done = client.post(url, json={"tickets": [booking["seats"][0]]}, headers=office)
    assert done.status_code == 200, done.text
    assert [t["seat"] for t in done.json()["cancelled"]] == [booking["seats"][0]]
    entries = store.cli_json("log", "--booking", booking["booking_id"])["entries"]
    assert {e["actor"] for e in entries if e["action"] == "cancel"} == {"token:box-office"}


def test_a_revoked_token_stops_working_at_once(client: Any, store: DemoStore) -> None:
    admin = staff_token(store, "admin", "ops")
    assert client.get("/v1/exports/showtimes", headers=admin).status_code == 200
    store.cli("tokens", "revoke", "ops")
    error_of(client.get("/v1/exports/showtimes", headers=admin), 401, "unauthorized")


def test_admins_export_and_import_the_same_feed_back_unchanged(
    client: Any, store: DemoStore
) -> None:
    admin = staff_token(store, "admin", "ops")
    exported = client.get("/v1/exports/showtimes", params={"format": "csv"}, headers=admin)
    assert exported.status_code == 200
    assert exported.headers["content-type"].startswith("text/csv")
    office = staff_token(store, "office", "desk")
    error_of(
        client.post("/v1/imports/showtimes", content=exported.content, headers=office),
        403,
        "forbidden",
    )
    report = client.post(
        "/v1/imports/showtimes", params={"format": "csv"}, content=exported.content, headers=admin
    )
    assert report.status_code == 200, report.text
    assert report.json()["created"] == 0
    assert report.json()["unchanged"] > 0
    assert report.json()["written"] is False


def test_an_invalid_feed_is_a_422_listing_the_rows(client: Any, store: DemoStore) -> None:
    admin = staff_token(store, "admin", "ops")
    feed = b"theater_id,room_id,movie_id,starts_at\nnowhere,r,m,not-a-time\n"
    response = client.post("/v1/imports/showtimes", content=feed, headers=admin)
    error_of(response, 422, "invalid_feed")


# -- the envelope ------------------------------------------------------------------------------
def test_a_streamed_body_over_the_limit_is_413_too(client: Any) -> None:
    def chunks() -> Any:
        for _ in range(200):
            yield b" " * 8192

    response = client.post(
        "/v1/reservations", content=chunks(), headers={"Content-Type": "application/json"}
    )
    error_of(response, 413, "body_too_large")


def test_a_body_over_the_limit_is_413(client: Any) -> None:
    response = client.post(
        "/v1/reservations",
        content=b"{" + b" " * (1024 * 1024 + 10) + b"}",
        headers={"Content-Type": "application/json"},
    )
    error_of(response, 413, "body_too_large")


def test_unknown_paths_and_methods_answer_with_the_error_shape(client: Any) -> None:
    error_of(client.get("/v1/nothing-here"), 404, "not_found")
    error_of(client.put("/v1/movies"), 405, "method_not_allowed")


def test_health_readiness_and_the_openapi_document(client: Any) -> None:
    assert client.get("/healthz").json() == {"status": "ok"}
    assert client.get("/readyz").json() == {"status": "ready"}
    document = client.get("/openapi.json").json()
    assert document["openapi"].startswith("3.1")
    for path in (
        "/v1/movies",
        "/v1/theaters",
        "/v1/movies/{movie}/showings",
        "/v1/showings/{showing_id}",
        "/v1/showings/{showing_id}/seats",
        "/v1/reservations",
        "/v1/reservations/{reservation_id}",
        "/v1/reservations/{reservation_id}/purchase",
        "/v1/bookings/{booking_id}",
        "/v1/bookings/{booking_id}/tickets.pdf",
        "/v1/checkins",
        "/v1/bookings/{booking_id}/cancel",
        "/v1/imports/showtimes",
        "/v1/exports/showtimes",
    ):
        assert path in document["paths"], path
    assert client.get("/docs").status_code == 200


def test_readyz_is_503_with_retry_after_when_the_store_is_locked(
    store: DemoStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    from fastapi.testclient import TestClient

    from cinema_cli.domain.errors import LockTimeout
    from cinema_cli.web.app import create_app

    def locked(storage: Any) -> None:
        raise LockTimeout("the data folder is locked by another process")

    monkeypatch.setattr("cinema_cli.services.health.check_storage", locked)
    with TestClient(create_app(store.settings())) as busy:
        response = busy.get("/readyz")
    error_of(response, 503, "lock_timeout")
    assert response.headers["Retry-After"] == "1"


def test_the_request_log_has_method_path_status_and_time_but_no_secrets(
    client: Any, capfd: pytest.CaptureFixture[str]
) -> None:
    showing = first_showing(client)
    reservation = hold(client, showing["id"], count=1)
    booking = buy(client, reservation, key="secret-key-123").json()
    client.get(f"/v1/bookings/{booking['booking_id']}", params={"token": booking["access_token"]})
    log = capfd.readouterr().err
    lines = [line for line in log.splitlines() if line.startswith(("GET ", "POST "))]
    assert any(
        line.startswith(f"POST /v1/reservations/{reservation['reservation_id']}/purchase 201 ")
        and line.endswith("ms")
        for line in lines
    ), log
    for secret in (
        BUYER["card"],
        booking["access_token"],
        "secret-key-123",
        booking["tickets"][0]["code"],
    ):
        assert secret not in log


def test_every_request_sees_what_other_processes_committed_before_it(
    client: Any, store: DemoStore
) -> None:
    showing = first_showing(client)
    seat_id = free_seats(client, showing["id"], 1)[0]
    for _ in range(3):  # warm every worker thread up on the old state
        assert client.get(f"/v1/showings/{showing['id']}/seats").status_code == 200
    store.cli("reserve", showing["id"], seat_id)
    for _ in range(3):
        seats = client.get(f"/v1/showings/{showing['id']}/seats").json()["seats"]
        assert next(s for s in seats if s["id"] == seat_id)["status"] == "held"
