"""The seat map served from the server's kept bodies: every change to the store, and every
hold expiring, is seen by the next request (on each backend; JSON keeps nothing)."""

from __future__ import annotations

import dataclasses
import os
import subprocess
import sys
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from web_support import BUYER, WEB_BACKENDS, DemoStore, first_showing, free_seats

from cinema_cli.config import Settings


@pytest.fixture(params=WEB_BACKENDS)
def web_store(request: pytest.FixtureRequest, make_store: Callable[[str], DemoStore]) -> DemoStore:
    return make_store(request.param)


@pytest.fixture
def open_client() -> Iterator[Callable[[Settings], Any]]:
    """ASGI test clients over given settings, closed (their apps shut down) afterwards."""
    from fastapi.testclient import TestClient

    from cinema_cli.web.app import create_app

    opened: list[Any] = []

    def open_(settings: Settings) -> Any:
        client = TestClient(create_app(settings), raise_server_exceptions=False)
        opened.append(client.__enter__())
        return opened[-1]

    yield open_
    for client in opened:
        client.__exit__(None, None, None)


@pytest.fixture
def client(web_store: DemoStore, open_client: Callable[[Settings], Any]) -> Any:
    return open_client(web_store.settings())


@pytest.fixture
def drawn(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The showings whose seat map was drawn by the service (not served as kept)."""
    from cinema_cli.services import seats

    calls: list[str] = []
    real = seats.seat_map

    def counting(storage: Any, clock: Any, showing_id: str, session_id: str | None = None) -> Any:
        calls.append(showing_id)
        return real(storage, clock, showing_id, session_id)

    monkeypatch.setattr(seats, "seat_map", counting)
    return calls


def statuses(client: Any, showing_id: str, session: str | None = None) -> dict[str, Any]:
    headers = {"X-Session-Id": session} if session else {}
    response = client.get(f"/v1/showings/{showing_id}/seats", headers=headers)
    assert response.status_code == 200, response.text
    return {s["id"]: (s["status"], s.get("mine", False)) for s in response.json()["seats"]}


def etag(client: Any, showing_id: str) -> str:
    response = client.get(f"/v1/showings/{showing_id}/seats")
    assert response.status_code == 200
    value: str = response.headers["ETag"]
    return value


def hold(client: Any, showing_id: str, seats: list[str], session: str) -> dict[str, Any]:
    response = client.post(
        "/v1/reservations", json={"showing_id": showing_id, "seats": seats, "session_id": session}
    )
    assert response.status_code == 201, response.text
    reservation: dict[str, Any] = response.json()
    return reservation


def test_an_unchanged_map_is_drawn_once_on_sql_and_every_time_on_json(
    web_store: DemoStore, client: Any, drawn: list[str]
) -> None:
    showing = first_showing(client)["id"]
    first = client.get(f"/v1/showings/{showing}/seats")
    again = client.get(f"/v1/showings/{showing}/seats")
    assert again.content == first.content
    assert again.headers["ETag"] == first.headers["ETag"]
    not_modified = client.get(
        f"/v1/showings/{showing}/seats", headers={"If-None-Match": first.headers["ETag"]}
    )
    assert not_modified.status_code == 304
    assert drawn.count(showing) == (3 if web_store.backend == "json" else 1)


def test_a_hold_over_http_changes_the_map_at_once(client: Any) -> None:
    showing = first_showing(client)["id"]
    seat = free_seats(client, showing, 1)[0]
    before = etag(client, showing)
    hold(client, showing, [seat], "web-a")
    assert statuses(client, showing)[seat] == ("held", False)
    changed = client.get(f"/v1/showings/{showing}/seats", headers={"If-None-Match": before})
    assert changed.status_code == 200
    assert changed.headers["ETag"] != before


def test_mine_is_marked_for_the_holding_session_only_each_served_its_own_map(
    client: Any,
) -> None:
    showing = first_showing(client)["id"]
    seat = free_seats(client, showing, 1)[0]
    hold(client, showing, [seat], "web-a")
    for _ in range(2):  # drawn, then kept
        assert statuses(client, showing, "web-a")[seat] == ("held", True)
        assert statuses(client, showing, "web-b")[seat] == ("held", False)
        assert statuses(client, showing)[seat] == ("held", False)
    mine = client.get(f"/v1/showings/{showing}/seats", headers={"X-Session-Id": "web-a"})
    assert mine.json()["held_by_session"] == [seat]
    theirs = client.get(f"/v1/showings/{showing}/seats", headers={"X-Session-Id": "web-b"})
    assert theirs.json()["held_by_session"] == []
    assert mine.headers["ETag"] != theirs.headers["ETag"]


def test_a_hold_made_by_another_process_with_the_cli_is_seen(
    web_store: DemoStore, client: Any
) -> None:
    showing = first_showing(client)["id"]
    seat = free_seats(client, showing, 1)[0]
    assert statuses(client, showing)[seat] == ("available", False)
    statuses(client, showing)  # kept now
    env = {
        **os.environ,
        "CINEMA_DATA_DIR": str(web_store.data_dir),
        "CINEMA_STORAGE": web_store.url,
        "NO_COLOR": "1",
    }
    env.pop("CINEMA_NOW", None)
    done = subprocess.run(
        [sys.executable, "-m", "cinema_cli", "reserve", showing, seat, "--session", "cli-1"],
        env=env, capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert statuses(client, showing)[seat] == ("held", False)
    assert statuses(client, showing, "cli-1")[seat] == ("held", True)


def test_a_purchase_and_a_release_change_the_map(client: Any) -> None:
    showing = first_showing(client)["id"]
    bought_seat, released_seat = free_seats(client, showing, 2)
    bought = hold(client, showing, [bought_seat], "web-a")
    released = hold(client, showing, [released_seat], "web-b")
    assert statuses(client, showing, "web-a")[bought_seat] == ("held", True)
    statuses(client, showing, "web-a")  # kept now
    purchase = client.post(
        f"/v1/reservations/{bought['reservation_id']}/purchase",
        json={**BUYER, "session_id": "web-a"},
        headers={"Idempotency-Key": "cache-buy-1"},
    )
    assert purchase.status_code == 201, purchase.text
    assert statuses(client, showing, "web-a")[bought_seat] == ("sold", False)
    assert statuses(client, showing)[released_seat] == ("held", False)
    gone = client.delete(
        f"/v1/reservations/{released['reservation_id']}", headers={"X-Session-Id": "web-b"}
    )
    assert gone.status_code == 200, gone.text
    assert statuses(client, showing)[released_seat] == ("available", False)


def test_a_hold_expiring_changes_the_map_without_any_commit(
    web_store: DemoStore, open_client: Callable[[Settings], Any], drawn: list[str]
) -> None:
    start = datetime.now(UTC).replace(microsecond=0)
    settings = dataclasses.replace(web_store.settings(), fixed_now=start)
    client = open_client(settings)
    showing = first_showing(client)["id"]
    seat = free_seats(client, showing, 1)[0]
    held = hold(client, showing, [seat], "web-a")
    expiry = datetime.fromisoformat(held["expires_at"])
    runtimes = client.app.state.runtimes

    def at(instant: datetime) -> dict[str, Any]:
        runtimes.settings = dataclasses.replace(settings, fixed_now=instant)
        return statuses(client, showing)

    drawn.clear()
    assert at(expiry - timedelta(seconds=1))[seat] == ("held", False)
    assert at(expiry - timedelta(microseconds=1))[seat] == ("held", False)
    if web_store.backend != "json":
        assert drawn == [showing]  # kept until the hold expires...
    assert at(expiry)[seat] == ("available", False)  # ...and not one instant longer
    assert at(expiry + timedelta(seconds=1))[seat] == ("available", False)
    # A clock set back before the map was read draws again (the hold is live then).
    assert at(expiry - timedelta(seconds=1))[seat] == ("held", False)


def _polled(base_url: str, showing_id: str, seat: str, polls: int = 16) -> set[str]:
    """The statuses of ``seat`` as ``polls`` clients, each on its own connection (so both
    workers answer some), see it at once."""
    import threading

    import httpx

    seen: set[str] = set()
    lock = threading.Lock()

    def poll() -> None:
        with httpx.Client(base_url=base_url, timeout=60) as http:
            seats = http.get(f"/v1/showings/{showing_id}/seats").json()["seats"]
        with lock:
            seen.add(next(s["status"] for s in seats if s["id"] == seat))

    threads = [threading.Thread(target=poll) for _ in range(polls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return seen


@pytest.mark.parametrize(
    "backend", ["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)]
)
def test_every_worker_of_a_real_server_serves_each_change_at_once(
    backend: str, make_store: Callable[[str], DemoStore], serve: Callable[..., Any]
) -> None:
    import httpx

    store = make_store(backend)
    server = serve(store, workers=2)
    with httpx.Client(base_url=server.base_url, timeout=60) as http:
        showing = first_showing(http)["id"]
        by_http, by_cli = free_seats(http, showing, 2)
        assert _polled(server.base_url, showing, by_http) == {"available"}  # kept by both now
        hold(http, showing, [by_http], "web-a")
    assert _polled(server.base_url, showing, by_http) == {"held"}
    store.cli("reserve", showing, by_cli, "--session", "cli-1")
    assert _polled(server.base_url, showing, by_cli) == {"held"}


def test_a_lost_watching_connection_is_opened_again_by_the_next_request(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Any
) -> None:
    from cinema_cli import bootstrap
    from cinema_cli.domain.errors import StorageUnavailable
    from cinema_cli.web.seat_maps import SeatMapCache

    opened: list[Any] = []

    class Watch:
        def __init__(self, settings: Settings) -> None:
            self.closed = False
            self.storage = self
            opened.append(self)

        def change_token(self) -> int:
            if len(opened) == 1:
                raise StorageUnavailable("lost the connection")
            return 7

        def close(self) -> None:
            self.closed = True

    monkeypatch.setattr(bootstrap, "Runtime", Watch)
    cache = SeatMapCache(Settings(data_dir=tmp_path, storage_url="sqlite:///x.db"))
    with pytest.raises(StorageUnavailable):
        cache.token()
    assert cache.token() == (2, 7)
    assert [watch.closed for watch in opened] == [True, False]
    cache.close()
    assert opened[1].closed


def test_a_map_kept_before_the_watching_connection_was_reopened_is_not_served_after(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Any
) -> None:
    """SQLite's data_version starts again on a new connection: an old map must not match."""
    from cinema_cli import bootstrap
    from cinema_cli.domain.errors import StorageUnavailable
    from cinema_cli.web.seat_maps import Rendered, SeatMapCache

    calls = {"n": 0}

    class Watch:
        def __init__(self, settings: Settings) -> None:
            self.storage = self

        def change_token(self) -> int:
            calls["n"] += 1
            if calls["n"] == 2:
                raise StorageUnavailable("lost the connection")
            return 5  # the same counter value on the old connection and the new one

        def close(self) -> None:
            pass

    monkeypatch.setattr(bootstrap, "Runtime", Watch)
    cache = SeatMapCache(Settings(data_dir=tmp_path, storage_url="sqlite:///x.db"))
    before = cache.token()
    now = datetime(2026, 11, 24, 12, 0, tzinfo=UTC)
    kept = Rendered(b"{}", '"e"', before, now, None)
    assert kept.valid(before, now)
    with pytest.raises(StorageUnavailable):
        cache.token()
    after = cache.token()
    assert not kept.valid(after, now)
