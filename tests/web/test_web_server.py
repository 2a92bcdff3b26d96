"""``cinema serve`` as a real process: races, dropped connections, SIGTERM, the log."""

from __future__ import annotations

import json
import signal
import socket
import threading
import time
from collections.abc import Callable
from typing import Any
from urllib.parse import urlsplit

import httpx
import pytest
from web_support import BUYER, WEB_BACKENDS, DemoStore, Server, first_showing, free_seats

CLIENTS = 16


@pytest.mark.parametrize("backend", WEB_BACKENDS)
def test_16_clients_racing_for_the_same_seats_exactly_one_wins(
    backend: str,
    make_store: Callable[[str], DemoStore],
    serve: Callable[..., Server],
) -> None:
    store = make_store(backend)
    server = serve(store, workers=2)
    with httpx.Client(base_url=server.base_url, timeout=60) as probe:
        showing = first_showing(probe)
        seats = free_seats(probe, showing["id"], 2)
    start = threading.Barrier(CLIENTS)
    answers: list[httpx.Response] = []
    lock = threading.Lock()

    def race(n: int) -> None:
        with httpx.Client(base_url=server.base_url, timeout=60) as client:
            start.wait()
            response = client.post(
                "/v1/reservations",
                json={"showing_id": showing["id"], "seats": seats, "session_id": f"racer-{n}"},
            )
        with lock:
            answers.append(response)

    threads = [threading.Thread(target=race, args=(n,)) for n in range(CLIENTS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    statuses = sorted(response.status_code for response in answers)
    assert statuses == [201] + [409] * (CLIENTS - 1), [r.text for r in answers]
    losers = [r.json()["error"] for r in answers if r.status_code == 409]
    assert {error["code"] for error in losers} == {"seat_unavailable"}
    winner = next(r.json() for r in answers if r.status_code == 201)

    # The winner buys; every other session racing to buy the same hold is refused.
    def buy(n: int) -> httpx.Response:
        with httpx.Client(base_url=server.base_url, timeout=60) as client:
            start.wait()
            session = winner["session_id"] if n == 0 else f"racer-x{n}"
            return client.post(
                f"/v1/reservations/{winner['reservation_id']}/purchase",
                json={**BUYER, "session_id": session},
                headers={"Idempotency-Key": f"buy-{n}"},
            )

    bought: list[httpx.Response] = []
    threads = [threading.Thread(target=lambda n=n: bought.append(buy(n))) for n in range(CLIENTS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(r.status_code for r in bought) == [201] + [404] * (CLIENTS - 1)
    server.stop()
    seat_map = store.cli_json("seats", showing["id"])
    sold = sorted(s["id"] for s in seat_map["seats"] if s["status"] == "sold")
    assert set(seats) <= set(sold)
    bookings = store.cli_json("bookings", "--email", BUYER["email"])["bookings"]
    assert [b["seats"] for b in bookings] == [seats]


def _raw_post_then_hang_up(base_url: str, path: str, body: dict[str, Any], key: str) -> None:
    """Send a whole request, then close the connection without reading the answer."""
    address = urlsplit(base_url)
    payload = json.dumps(body).encode()
    head = (
        f"POST {path} HTTP/1.1\r\nHost: {address.netloc}\r\nContent-Type: application/json\r\n"
        f"Idempotency-Key: {key}\r\nContent-Length: {len(payload)}\r\n\r\n"
    ).encode()
    with socket.create_connection((address.hostname, address.port)) as sock:
        sock.sendall(head + payload)
        sock.shutdown(socket.SHUT_RDWR)


@pytest.mark.parametrize("backend", WEB_BACKENDS)
def test_a_purchase_retried_after_a_dropped_connection_charges_once(
    backend: str, make_store: Callable[[str], DemoStore], serve: Callable[..., Server]
) -> None:
    store = make_store(backend)
    server = serve(store)
    client = httpx.Client(base_url=server.base_url, timeout=60)
    showing = first_showing(client)
    held = client.post("/v1/reservations", json={"showing_id": showing["id"], "count": 2}).json()
    path = f"/v1/reservations/{held['reservation_id']}/purchase"
    body = {**BUYER, "session_id": held["session_id"]}
    before = set(store.charges())
    _raw_post_then_hang_up(server.base_url, path, body, "checkout-42")
    deadline = time.monotonic() + 30
    while True:
        retry = client.post(path, json=body, headers={"Idempotency-Key": "checkout-42"})
        if retry.status_code != 409 or time.monotonic() > deadline:
            break
        assert retry.headers["Retry-After"] == "1"
        time.sleep(0.2)
    client.close()
    assert retry.status_code in (200, 201), retry.text
    charges = {k: v for k, v in store.charges().items() if k not in before}
    assert list(charges) == ["checkout-42"]
    bookings = store.cli_json("bookings", "--email", BUYER["email"])["bookings"]
    assert [b["booking_id"] for b in bookings] == [retry.json()["booking_id"]]


def test_sigterm_lets_the_request_in_flight_finish_and_logs_no_secrets(
    store: DemoStore, serve: Callable[..., Server]
) -> None:
    server = serve(store)
    client = httpx.Client(base_url=server.base_url, timeout=60)
    showing = first_showing(client)
    client.get("/v1/movies", params={"keyword": "token-in-a-query", "limit": 1})
    held = client.post("/v1/reservations", json={"showing_id": showing["id"], "count": 2}).json()
    result: list[httpx.Response] = []

    def purchase() -> None:
        result.append(
            client.post(
                f"/v1/reservations/{held['reservation_id']}/purchase",
                json={**BUYER, "session_id": held["session_id"]},
                headers={"Idempotency-Key": "sigterm-key"},
            )
        )

    worker = threading.Thread(target=purchase)
    worker.start()
    time.sleep(0.05)
    exit_code = server.stop()
    worker.join()
    client.close()  # the server is gone: close the pooled connection it left open
    # uvicorn shuts down, then re-raises the signal it caught, as a well-behaved process does.
    assert exit_code in (0, -signal.SIGTERM)
    assert result
    assert result[0].status_code == 201, result
    booking = result[0].json()
    stored = store.cli_json("booking", booking["booking_id"])
    assert stored["seats"] == held["seats"]
    log = server.log()
    assert "GET /v1/movies 200 " in log
    assert "POST /v1/reservations 201 " in log
    for secret in ("token-in-a-query", BUYER["card"], "sigterm-key", booking["access_token"]):
        assert secret not in log


def test_serve_without_the_serve_extra_says_what_to_install(
    store: DemoStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    import sys

    from typer.testing import CliRunner

    from cinema_cli.cli.app import app

    monkeypatch.setitem(sys.modules, "uvicorn", None)
    result = CliRunner().invoke(app, ["--data-dir", str(store.data_dir), "serve"])
    assert result.exit_code == 1
    assert "cinema serve needs FastAPI and uvicorn" in result.output
    assert "pip install 'cinema-cli[serve]'" in result.output


def test_duplicate_purchases_at_once_make_one_booking_and_one_charge(
    make_store: Callable[[str], DemoStore], serve: Callable[..., Server]
) -> None:
    store = make_store("sqlite")
    server = serve(store, workers=2)
    with httpx.Client(base_url=server.base_url, timeout=60) as client:
        showing = first_showing(client)
        held = client.post(
            "/v1/reservations", json={"showing_id": showing["id"], "count": 2}
        ).json()
    before = set(store.charges())
    start = threading.Barrier(8)
    answers: list[httpx.Response] = []

    def purchase() -> None:
        with httpx.Client(base_url=server.base_url, timeout=60) as client:
            start.wait()
            answers.append(
                client.post(
                    f"/v1/reservations/{held['reservation_id']}/purchase",
                    json={**BUYER, "session_id": held["session_id"]},
                    headers={"Idempotency-Key": "double-click"},
                )
            )

    threads = [threading.Thread(target=purchase) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    statuses = [r.status_code for r in answers]
    assert statuses.count(201) == 1, [r.text for r in answers]
    assert set(statuses) <= {200, 201, 409}, [r.text for r in answers]
    for response in answers:
        if response.status_code == 409:
            assert response.json()["error"]["code"] == "request_in_progress"
            assert response.headers["Retry-After"] == "1"
    assert len({r.json()["booking_id"] for r in answers if r.status_code in (200, 201)}) == 1
    assert set(store.charges()) - before == {"double-click"}
    assert len(store.cli_json("bookings", "--email", BUYER["email"])["bookings"]) == 1
