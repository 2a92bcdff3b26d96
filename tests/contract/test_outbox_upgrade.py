"""``cinema db upgrade`` moves the e-mails of a data folder's ``outbox/`` (as cinema-cli wrote
them before the queue: ``.eml`` files with their send state in ``outbox/.delivery/``) into the
mail queue once, keeping what was sent as sent."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from contract_backends import Backend
from test_outbox_senders import Inbox, smtp  # noqa: F401  (the SMTP server fixture)
from typer.testing import CliRunner

from cinema_cli.cli.app import app
from schema_support import assert_shape

runner = CliRunner()
UPGRADE_BACKENDS = ["json", "sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)]


def eml(to: str, subject: str) -> bytes:
    return (
        f"From: tickets@cinema-cli.invalid\r\nTo: {to}\r\nSubject: {subject}\r\n\r\nhi\r\n".encode()
    )


def outbox_of_earlier_versions(data_dir: Path) -> None:
    """What ``buy``, ``cancel`` and ``outbox send`` left before the queue: a sent confirmation,
    its cancellation never sent, and a confirmation whose two sends failed."""
    outbox = data_dir / "outbox"
    state = outbox / ".delivery"
    state.mkdir(parents=True)
    (outbox / "bk1.eml").write_bytes(eml("ada@example.org", "Your tickets"))
    (outbox / "bk1.cancel-rf1.eml").write_bytes(eml("ada@example.org", "Cancelled: C4"))
    (outbox / "bk2.eml").write_bytes(eml("bob@example.org", "Your tickets"))
    sidecars = {
        "bk1.eml": {"status": "sent", "attempts": 1, "last_attempt_at": "2026-11-20T10:00:00Z",
                    "last_error": None, "sent_at": "2026-11-20T10:00:00Z"},
        "bk2.eml": {"status": "failed", "attempts": 2, "last_attempt_at": "2026-11-20T11:00:00Z",
                    "last_error": "cannot reach the SMTP server", "sent_at": None},
    }  # fmt: skip
    for name, sidecar in sidecars.items():
        (state / f"{name}.json").write_text(json.dumps(sidecar, indent=1) + "\n")


def cinema(backend: Backend, data_dir: Path, *args: str, env: dict[str, str] | None = None) -> Any:
    storage = ["--storage", backend.url] if backend.name != "json" else []
    result = runner.invoke(app, ["--data-dir", str(data_dir), *storage, *args], env=env)
    assert result.exit_code == 0, (result.stdout, result.stderr)
    return result


@pytest.mark.parametrize("name", UPGRADE_BACKENDS)
def test_db_upgrade_moves_the_outbox_folder_into_the_queue_once(
    name: str,
    make_backend: Callable[[str], Backend],
    tmp_path: Path,
    smtp: tuple[Inbox, int],  # noqa: F811
) -> None:
    backend = make_backend(name)
    data_dir = Path(backend.url.removeprefix("json://")) if name == "json" else tmp_path / "data"
    outbox_of_earlier_versions(data_dir)

    first = json.loads(cinema(backend, data_dir, "db", "upgrade", "--json").stdout)
    again = cinema(backend, data_dir, "db", "upgrade")

    assert_shape("db_upgrade", first)
    assert first["moved"]["messages"] == {
        "found": 3, "moved": 3, "already": 0, "sent": 1, "waiting": 2,
    }  # fmt: skip
    assert "Mail queue: 3 e-mail(s) in the data folder's outbox, 0 moved" in again.stdout
    listed = json.loads(cinema(backend, data_dir, "outbox", "list", "--json").stdout)
    assert_shape("outbox", listed)
    assert {
        m["name"]: (m["status"], m["attempts"], m["kind"], m["booking_id"])
        for m in listed["messages"]
    } == {
        "bk1.eml": ("sent", 1, "confirmation", "bk1"),
        "bk1.cancel-rf1.eml": ("unsent", 0, "cancellation", "bk1"),
        "bk2.eml": ("failed", 2, "confirmation", "bk2"),
    }

    inbox, port = smtp
    env = {"CINEMA_SMTP_URL": f"smtp://127.0.0.1:{port}"}
    sent = json.loads(cinema(backend, data_dir, "outbox", "send", "--json", env=env).stdout)
    assert_shape("outbox_send", sent)
    assert sorted(m["name"] for m in sent["sent"]) == ["bk1.cancel-rf1.eml", "bk2.eml"]
    assert sent["already_sent"] == 1
    assert len(inbox.messages) == 2
