"""``cinema tokens`` and the secrets behind API access: hashed, private, revocable."""

from __future__ import annotations

import json
import stat
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from typer.testing import CliRunner

from cinema_cli.adapters.server_secret import server_secret
from cinema_cli.adapters.staff_tokens import StaffTokenFile
from cinema_cli.cli.app import app
from cinema_cli.services.booking_access import access_token, may_read
from cinema_cli.services.staff_tokens import authenticate, create_token, may, revoke_token

NOW = datetime(2026, 11, 24, 18, 0, tzinfo=UTC)


def cinema(data: Path, *args: str) -> Any:
    return CliRunner().invoke(app, ["--data-dir", str(data), *args])


def test_a_token_is_shown_once_and_only_its_hash_is_kept(tmp_path: Path) -> None:
    made = cinema(tmp_path, "tokens", "create", "--role", "door", "--name", "north-gate")
    assert made.exit_code == 0, made.output
    secret = made.stdout.strip()
    assert secret.startswith("cin_")
    path = tmp_path / "api-tokens.json"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert secret not in path.read_text()
    listed = cinema(tmp_path, "tokens", "list", "--json")
    tokens = json.loads(listed.stdout)["tokens"]
    assert [(t["name"], t["role"], t["revoked_at"]) for t in tokens] == [
        ("north-gate", "door", None)
    ]
    assert secret not in listed.stdout


def test_a_revoked_token_no_longer_authenticates(tmp_path: Path) -> None:
    store = StaffTokenFile(tmp_path / "api-tokens.json")
    made = create_token(store, lambda: NOW, role="office", name="desk")
    assert authenticate(store, made.secret) == made.token
    assert authenticate(store, made.secret + "x") is None
    revoked = cinema(tmp_path, "tokens", "revoke", "desk")
    assert revoked.exit_code == 0
    assert authenticate(store, made.secret) is None
    again = create_token(store, lambda: NOW, role="office", name="desk")
    assert authenticate(store, again.secret) == again.token


def test_roles_nest_door_within_office_within_admin(tmp_path: Path) -> None:
    store = StaffTokenFile(tmp_path / "api-tokens.json")
    door = create_token(store, lambda: NOW, role="door", name="d").token
    office = create_token(store, lambda: NOW, role="office", name="o").token
    admin = create_token(store, lambda: NOW, role="admin", name="a").token
    assert [may(door, r) for r in ("door", "office", "admin")] == [True, False, False]
    assert [may(office, r) for r in ("door", "office", "admin")] == [True, True, False]
    assert [may(admin, r) for r in ("door", "office", "admin")] == [True, True, True]


def test_bad_roles_names_and_unknown_tokens_are_refused(tmp_path: Path) -> None:
    bad_role = cinema(tmp_path, "tokens", "create", "--role", "king", "--name", "x")
    assert bad_role.exit_code == 2
    assert "--role" in bad_role.stderr
    assert cinema(tmp_path, "tokens", "create", "--role", "door", "--name", "g").exit_code == 0
    twice = cinema(tmp_path, "tokens", "create", "--role", "door", "--name", "g")
    assert twice.exit_code == 6
    unknown = cinema(tmp_path, "tokens", "revoke", "nobody")
    assert unknown.exit_code == 3
    store = StaffTokenFile(tmp_path / "api-tokens.json")
    token = store.tokens()[0]
    assert revoke_token(store, lambda: NOW, token.id).revoked_at == NOW
    assert revoke_token(store, lambda: NOW, token.id).revoked_at == NOW  # idempotent by id


def test_booking_access_tokens_need_the_servers_secret(tmp_path: Path) -> None:
    secret = server_secret(tmp_path, None)
    assert stat.S_IMODE((tmp_path / "api-secret").stat().st_mode) == 0o600
    assert server_secret(tmp_path, None) == secret  # every worker reads the same one
    token = access_token(secret, "b-1")
    assert may_read(secret, "b-1", token)
    assert not may_read(secret, "b-2", token)
    assert not may_read(server_secret(tmp_path, "configured"), "b-1", token)
    assert not may_read(secret, "b-1", None)
