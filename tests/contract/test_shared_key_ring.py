"""Several hosts, one store: the ticket signing key ring is shared (issue's acceptance).

Each "host" is its own data folder (its own tickets, outbox, provider books) on one store:
two data folders on one PostgreSQL schema, two data folders on one SQLite file, and one JSON
data folder used by two processes. A ticket sold on the first host checks in on the second;
``keys rotate`` on the second is seen by the first at once, and an offline door holding the
first host's ``keys public --all`` admits tickets signed before and after the rotation.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from contract_backends import Backend
from typer.testing import CliRunner

from builders import NOW
from cinema_cli.cli.app import app
from cinema_cli.storage.json import JsonStorage
from cinema_cli.storage.sql import SqlStorage
from ticket_support import DOORS_OPEN, stock

Cinema = Callable[..., Any]
"""Runs ``cinema ARGS --json`` as one host; returns the parsed output (exit 0 asserted)."""


def in_process(data_dir: Path, url: str) -> Cinema:
    runner = CliRunner()

    def cinema(*args: str, now: str = NOW.isoformat()) -> Any:
        env = {"CINEMA_DATA_DIR": str(data_dir), "CINEMA_STORAGE": url, "CINEMA_NOW": now}
        result = runner.invoke(app, [*args, "--json"], env=env)
        assert result.exit_code == 0, (args, result.stdout, result.stderr)
        return json.loads(result.stdout) if result.stdout.strip().startswith(("{", "[")) else None

    return cinema


def as_process(data_dir: Path, url: str) -> Cinema:
    def cinema(*args: str, now: str = NOW.isoformat()) -> Any:
        env = {
            **os.environ,
            "CINEMA_DATA_DIR": str(data_dir),
            "CINEMA_STORAGE": url,
            "CINEMA_NOW": now,
        }
        done = subprocess.run(
            [sys.executable, "-m", "cinema_cli", *args, "--json"],
            env=env,
            capture_output=True,
            text=True,
            check=False,
            timeout=120,
        )
        assert done.returncode == 0, (args, done.stdout, done.stderr)
        return json.loads(done.stdout) if done.stdout.strip().startswith(("{", "[")) else None

    return cinema


def sell(cinema: Cinema, seat: str) -> str:
    """Hold and buy one seat of the stocked showing; the ticket's code."""
    held = cinema("reserve", "s1", seat)
    bought = cinema(
        "buy", held["reservation_id"], "--session", held["session_id"], "--name", "Ada",
        "--email", "ada@example.org", "--card", "4242424242424242",
    )  # fmt: skip
    code: str = bought["tickets"][0]["code"]
    return code


def export_all_keys(data_dir: Path, url: str, path: Path) -> Path:
    """``keys public --all`` as a door's PEM file (plain output, no --json)."""
    runner = CliRunner()
    env = {"CINEMA_DATA_DIR": str(data_dir), "CINEMA_STORAGE": url, "CINEMA_NOW": NOW.isoformat()}
    result = runner.invoke(app, ["keys", "public", "--all"], env=env)
    assert result.exit_code == 0, result.stderr
    path.write_text(result.stdout)
    return path


def offline_door(pem: Path, code: str) -> Any:
    result = CliRunner().invoke(
        app,
        ["checkin", "--offline", "--public-key", str(pem), code, "--json"],
        env={"CINEMA_NOW": DOORS_OPEN.isoformat()},
    )
    assert result.exit_code == 0, (result.stdout, result.stderr)
    return json.loads(result.stdout)


def two_hosts_share_one_key_ring(
    first: Cinema, second: Cinema, first_host: tuple[Path, str], tmp_path: Path
) -> None:
    old_code = sell(first, "A1")

    admitted = second("checkin", old_code, now=DOORS_OPEN.isoformat())
    assert admitted["status"] == "admitted"

    old_key = first("keys", "public")["keys"][-1]["key_id"]
    rotated = second("keys", "rotate", now=(NOW + timedelta(minutes=1)).isoformat())
    assert rotated["active"] != old_key
    # the first host sees the rotation at once, and signs with the new key
    listed = first("keys", "public")["keys"]
    assert [(k["key_id"], k["active"]) for k in listed] == [
        (old_key, False),
        (rotated["active"], True),
    ]
    new_code = sell(first, "A2")

    door = export_all_keys(*first_host, tmp_path / "door.pem")
    assert offline_door(door, old_code)["key_id"] == old_key
    assert offline_door(door, new_code)["key_id"] == rotated["active"]
    assert second("checkin", new_code, now=DOORS_OPEN.isoformat())["status"] == "admitted"


@pytest.mark.parametrize("name", ["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def test_two_data_folders_on_one_database_share_the_key_ring(
    name: str, make_backend: Callable[[str], Backend], tmp_path: Path
) -> None:
    backend = make_backend(name)
    storage = SqlStorage(backend.url)
    stock(storage)
    storage.close()
    host_a, host_b = tmp_path / "host-a", tmp_path / "host-b"

    two_hosts_share_one_key_ring(
        in_process(host_a, backend.url),
        in_process(host_b, backend.url),
        (host_a, backend.url),
        tmp_path,
    )


def test_two_processes_on_one_json_data_folder_share_the_key_ring(tmp_path: Path) -> None:
    folder = tmp_path / "data"
    storage = JsonStorage(folder)
    stock(storage)
    storage.close()

    two_hosts_share_one_key_ring(
        as_process(folder, "json"), as_process(folder, "json"), (folder, "json"), tmp_path
    )


def test_hosts_signing_their_first_ticket_at_once_end_with_one_key(backend: Backend) -> None:
    """Eight hosts (connections) sign their first code at once: one key is made; all use it."""
    import threading

    from cinema_cli.adapters.signing import Ed25519TicketCodes, KeyRing
    from cinema_cli.domain.ticket_codes import split_code
    from cinema_cli.services.ports.tickets import TicketClaims

    claims = TicketClaims("T-1", "s1", "A1", NOW, NOW + timedelta(hours=3))
    rings = [KeyRing(backend.open(), lambda: NOW) for _ in range(8)]
    used: list[str] = []
    barrier = threading.Barrier(len(rings))

    def sign(ring: KeyRing) -> None:
        barrier.wait()
        used.append(split_code(Ed25519TicketCodes(ring).issue(claims))[0].key_id)

    threads = [threading.Thread(target=sign, args=(ring,)) for ring in rings]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    [stored] = rings[0].storage.signing_keys()
    assert used == [stored.key_id] * len(rings)
    assert stored.signed_until == NOW + timedelta(hours=3)
