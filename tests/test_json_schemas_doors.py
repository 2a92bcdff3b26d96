"""The ``--json`` output of check-in, cancel, keys, outbox, log and db matches its schema.

Every command runs through the CLI on a real JSON data folder; the documents it prints are
checked against the published schemas with every object closed (``tests/schema_support``).
"""

from __future__ import annotations

import json
import socket
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from typer.testing import CliRunner

from builders import NOW
from cinema_cli.cli.app import app
from schema_support import assert_shape
from ticket_support import DOORS_OPEN, stocked_data_dir

runner = CliRunner()


@pytest.fixture
def data(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    return stocked_data_dir(tmp_path, monkeypatch)


def cli(*args: str, now: Any = None, code: int = 0) -> Any:
    """Run ``cinema ARGS --json``; the document on stdout (or the error body on stderr)."""
    env = {"CINEMA_NOW": now.isoformat()} if now is not None else {}
    result = runner.invoke(app, [*args, "--json"], env=env)
    assert result.exit_code == code, (result.stdout, result.stderr)
    if code:
        return json.loads(result.stderr)["error"]
    return json.loads(result.stdout)


def buy(*seats: str) -> dict[str, Any]:
    held = cli("reserve", "s1", *seats)
    return cli(  # type: ignore[no-any-return]
        "buy",
        held["reservation_id"],
        "--session",
        held["session_id"],
        "--name",
        "Ada Lovelace",
        "--email",
        "ada@example.org",
        "--card",
        "4242424242424242",
    )


def test_checkin_online_and_offline(data: Path, tmp_path: Path) -> None:
    booking = buy("B3", "B4")
    code = booking["tickets"][0]["code"]
    admitted = cli("checkin", code, "--gate", "north", now=DOORS_OPEN)
    assert_shape("checkin", admitted)
    assert admitted["showing"]["theater"]["id"] == "babylon"

    pem = tmp_path / "door.pem"
    pem.write_text(runner.invoke(app, ["keys", "public"]).stdout)
    offline = cli("checkin", "--offline", "--public-key", str(pem), code, now=DOORS_OPEN)
    assert_shape("checkin_offline", offline)

    assert_shape("error", {"error": cli("checkin", code, now=DOORS_OPEN, code=4)})


def test_cancel_with_a_refund_and_again_with_nothing_left(data: Path) -> None:
    booking = buy("B3", "B4")
    later = NOW + timedelta(minutes=5)
    first = cli("cancel", booking["booking_id"], "--tickets", "B4", now=later)
    assert_shape("cancel", first)
    assert first["refund"] is not None
    assert first["cancellation_eml"]
    again = cli("cancel", booking["booking_id"], "--tickets", "B4", now=later)
    assert_shape("cancel", again)
    assert again["refund"] is None
    assert again["cancelled"] == []


def test_keys_public_and_rotate(data: Path) -> None:
    assert_shape("keys", cli("keys", "public"))
    rotated = cli("keys", "rotate")
    assert_shape("keys_rotate", rotated)
    assert len(rotated["keys"]) == 2


def test_log_with_details_of_every_kind(data: Path) -> None:
    booking = buy("B3", "B4")
    cli("cancel", booking["booking_id"], "--tickets", "B4", now=NOW + timedelta(minutes=5))
    cli("checkin", booking["tickets"][0]["code"], now=DOORS_OPEN)
    log = cli("log")
    assert_shape("log", log)
    assert {e["action"] for e in log["entries"]} == {
        "hold",
        "purchase",
        "cancel",
        "refund",
        "checkin",
    }


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class _Inbox:
    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        return "250 OK"


@pytest.fixture
def smtp_port() -> Iterator[int]:
    port = _free_port()
    controller = Controller(_Inbox(), hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield port
    finally:
        controller.stop()


def test_outbox_list_and_send(data: Path, smtp_port: int, monkeypatch: pytest.MonkeyPatch) -> None:
    assert_shape("outbox", cli("outbox", "list"))
    buy("B3")
    listed = cli("outbox", "list")
    assert_shape("outbox", listed)
    assert [m["status"] for m in listed["messages"]] == ["unsent"]

    monkeypatch.setenv("CINEMA_SMTP_URL", f"smtp://127.0.0.1:{_free_port()}?timeout=5")
    failed = cli("outbox", "send", code=7)
    assert_shape("outbox_send", failed["details"])
    assert_shape("outbox", cli("outbox", "list"))  # with its error and attempts

    monkeypatch.setenv("CINEMA_SMTP_URL", f"smtp://127.0.0.1:{smtp_port}")
    sent = cli("outbox", "send")
    assert_shape("outbox_send", sent)
    assert len(sent["sent"]) == 1
    assert_shape("outbox", cli("outbox", "list"))


def test_db_info_upgrade_and_copy(data: Path, tmp_path: Path) -> None:
    assert_shape("db_info", cli("db", "info"))
    assert_shape("db_upgrade", cli("db", "upgrade"))
    target = f"sqlite:///{tmp_path / 'copy.db'}"
    copied = cli("db", "copy", "--from", "json", "--to", target)
    assert_shape("db_copy", copied)
    assert copied["counts"]["showing"] == 1
    assert_shape("db_info", cli("--storage", target, "db", "info"))
    empty = f"sqlite:///{tmp_path / 'empty.db'}"
    assert_shape("db_info", cli("--storage", empty, "db", "info"))  # no schema: counts are 0
    upgraded = cli("--storage", empty, "db", "upgrade")
    assert_shape("db_upgrade", upgraded)
    assert upgraded["upgraded"] is True
