"""``db upgrade`` moves the signing keys of an older data folder into the store, once.

The data folder is made as the release before the shared key ring left it: a ticket sold
with that release's key ring (``legacy_keyring``, a copy of its code), its key in
``<data dir>/keys``. After the upgrade the ticket still checks in and ``keys public`` exports
the same key; nothing is lost.
"""

from __future__ import annotations

import functools
import json
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from builders import NOW
from cinema_cli.adapters.signing import Ed25519TicketCodes
from cinema_cli.cli.app import app
from cinema_cli.storage.json import JsonStorage
from legacy_keyring import LegacyKeyRing
from schema_support import assert_shape
from ticket_support import DOORS_OPEN, sell, stock

runner = CliRunner()
SECRET = "upgrade-s3cr3t-phrase"


def cinema(data: Path, *args: str, **env: str) -> Any:
    return runner.invoke(
        app, list(args), env={"CINEMA_DATA_DIR": str(data), "CINEMA_NOW": NOW.isoformat(), **env}
    )


def an_old_data_folder(data: Path, url: str = "json") -> tuple[str, str]:
    """A ticket sold by the older release; returns its code and that release's public key."""
    from cinema_cli.services.ports.storage import Storage
    from cinema_cli.storage.sql import SqlStorage

    storage: Storage = JsonStorage(data) if url == "json" else SqlStorage(url)
    stock(storage)
    old_ring = LegacyKeyRing(data / "keys", lambda: NOW)
    booking = sell(storage, Ed25519TicketCodes(old_ring))  # type: ignore[arg-type]
    storage.close()
    return booking.tickets[0].code, old_ring.public_pem()


def cinema_store(data: Path, url: str) -> Any:
    from cinema_cli.storage.sql import SqlStorage

    return JsonStorage(data) if url == "json" else SqlStorage(url)


def test_before_the_upgrade_the_ring_asks_for_it_and_makes_no_key(tmp_path: Path) -> None:
    data = tmp_path / "data"
    code, _ = an_old_data_folder(data)

    refused = cinema(data, "checkin", code, CINEMA_NOW=DOORS_OPEN.isoformat())

    assert refused.exit_code == 7
    assert "cinema db upgrade" in refused.stderr
    assert JsonStorage(data).signing_keys() == []


@pytest.mark.parametrize("backend", ["json", "sqlite"])
def test_db_upgrade_moves_the_keys_once_and_old_tickets_still_check_in(
    tmp_path: Path, backend: str
) -> None:
    data = tmp_path / "data"
    url = "json" if backend == "json" else f"sqlite:///{tmp_path / 'cinema.db'}"
    code, old_pem = an_old_data_folder(data, url)
    key_id = json.loads((data / "keys" / "index.json").read_text())["active"]

    run = functools.partial(cinema, CINEMA_STORAGE=url)

    first = run(data, "db", "upgrade", "--json")
    assert first.exit_code == 0, first.stderr
    document = json.loads(first.stdout)
    assert_shape("db_upgrade", document)
    assert document["moved"]["keys"] == {
        "found": 1,
        "moved": 1,
        "already": 0,
        "active": key_id,
        "kept_at": str(data / "keys.moved"),
    }
    assert (data / "keys.moved" / f"{key_id}.pem").exists()  # nothing lost

    exported = run(data, "keys", "public")
    assert exported.stdout == old_pem
    admitted = run(data, "checkin", code, "--json", CINEMA_NOW=DOORS_OPEN.isoformat())
    assert admitted.exit_code == 0, admitted.stderr
    assert json.loads(admitted.stdout)["status"] == "admitted"

    again = run(data, "db", "upgrade", "--json")
    assert "keys" not in json.loads(again.stdout).get("moved", {})
    [stored] = cinema_store(data, url).signing_keys()
    assert (stored.key_id, stored.active, stored.history_known) == (key_id, True, True)


def test_db_upgrade_reports_the_move_in_words(tmp_path: Path) -> None:
    data = tmp_path / "data"
    an_old_data_folder(data)

    done = cinema(data, "db", "upgrade")

    assert done.exit_code == 0, done.stderr
    assert "Signing keys: 1 found in" in done.stdout
    assert "keys.moved" in done.stdout


def test_with_a_secret_the_moved_key_is_encrypted_and_a_wrong_secret_is_exit_6(
    tmp_path: Path,
) -> None:
    data = tmp_path / "data"
    code, old_pem = an_old_data_folder(data)

    assert cinema(data, "db", "upgrade", CINEMA_KEY_SECRET=SECRET).exit_code == 0
    [stored] = JsonStorage(data).signing_keys()
    assert stored.private_key.startswith("aes-256-gcm+scrypt:v1:")
    assert SECRET not in (data / "signing-keys.json").read_text()
    # doors need no secret: public keys and online check-in work without it
    assert cinema(data, "keys", "public").stdout == old_pem
    checked = cinema(data, "checkin", code, "--json", CINEMA_NOW=DOORS_OPEN.isoformat())
    assert checked.exit_code == 0, checked.stderr

    held = json.loads(cinema(data, "reserve", "s1", "C3", "--json").stdout)
    buy = [
        "buy", held["reservation_id"], "--session", held["session_id"], "--name", "Ada",
        "--email", "bea@example.org", "--card", "4242424242424242",
    ]  # fmt: skip
    wrong = cinema(data, *buy, CINEMA_KEY_SECRET="not-it")
    assert wrong.exit_code == 6
    assert "CINEMA_KEY_SECRET" in wrong.stderr
    assert "Traceback" not in wrong.stderr + wrong.stdout
    assert "not-it" not in wrong.stderr + wrong.stdout
    assert len(JsonStorage(data).signing_keys()) == 1  # never a new key

    right = cinema(data, *buy, "--json", CINEMA_KEY_SECRET=SECRET)
    assert right.exit_code == 0, right.stderr


@pytest.mark.parametrize("variable", ["CINEMA_KEY_SECRET", "CINEMA_KEY_SECRET_FILE"])
def test_the_secret_may_come_from_a_file(tmp_path: Path, variable: str) -> None:
    data = tmp_path / "data"
    an_old_data_folder(data)
    secret_file = tmp_path / "key-secret"
    secret_file.write_text(SECRET + "\n")
    value = SECRET if variable == "CINEMA_KEY_SECRET" else str(secret_file)

    assert cinema(data, "db", "upgrade", **{variable: value}).exit_code == 0
    held = json.loads(cinema(data, "reserve", "s1", "C4", "--json").stdout)
    other = "CINEMA_KEY_SECRET_FILE" if variable == "CINEMA_KEY_SECRET" else "CINEMA_KEY_SECRET"
    other_value = str(secret_file) if other == "CINEMA_KEY_SECRET_FILE" else SECRET
    bought = cinema(
        data, "buy", held["reservation_id"], "--session", held["session_id"], "--name", "Ada",
        "--email", "bea@example.org", "--card", "4242424242424242", **{other: other_value},
    )  # fmt: skip
    assert bought.exit_code == 0, bought.stderr


def test_each_hosts_old_keys_join_the_shared_ring_and_the_first_stays_active(
    tmp_path: Path,
) -> None:
    from cinema_cli.storage.sql import SqlStorage

    url = f"sqlite:///{tmp_path / 'cinema.db'}"
    host_a, host_b = tmp_path / "host-a", tmp_path / "host-b"
    storage = SqlStorage(url)
    stock(storage)
    codes = {}
    for host, booking_id, seat in ((host_a, "B-A", "A1"), (host_b, "B-B", "A2")):
        ring = LegacyKeyRing(host / "keys", lambda: NOW)
        signer = Ed25519TicketCodes(ring)  # type: ignore[arg-type]
        sold = sell(storage, signer, booking_id=booking_id, seats=(seat,))
        codes[host] = (sold.tickets[0].code, ring.active_key_id())
    storage.close()
    run = functools.partial(cinema, CINEMA_STORAGE=url)

    assert run(host_a, "db", "upgrade").exit_code == 0
    moved = json.loads(run(host_b, "db", "upgrade", "--json").stdout)["moved"]["keys"]

    assert moved["active"] == codes[host_a][1]
    listed = json.loads(run(host_b, "keys", "public", "--json").stdout)["keys"]
    assert {(k["key_id"], k["active"]) for k in listed} == {
        (codes[host_a][1], True),
        (codes[host_b][1], False),
    }
    door = tmp_path / "door.pem"
    door.write_text(run(host_a, "keys", "public", "--all").stdout)
    for host in (host_a, host_b):
        for door_host in (host_a, host_b):
            checked = run(door_host, "checkin", codes[host][0], "--offline", "--public-key",
                          str(door), "--json", CINEMA_NOW=DOORS_OPEN.isoformat())  # fmt: skip
            assert checked.exit_code == 0, checked.stderr
        online = run(host_b, "checkin", codes[host][0], "--json", CINEMA_NOW=DOORS_OPEN.isoformat())
        assert online.exit_code == 0, online.stderr
