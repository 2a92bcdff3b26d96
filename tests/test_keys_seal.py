"""``cinema keys seal``: keys made before ``CINEMA_KEY_SECRET`` was set get encrypted with it.

Through the CLI on a JSON data folder: tickets sold before sealing still check in, new ones
are signed with the sealed key, a wrong secret afterwards stops signing (exit 6), a second run
seals nothing, and keys sealed with another secret are reported, never touched.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from builders import NOW
from cinema_cli.adapters.key_sealing import is_plain, is_sealed
from cinema_cli.cli.app import app
from cinema_cli.domain.signing_keys import SigningKeyRecord
from cinema_cli.domain.ticket_codes import split_code
from cinema_cli.storage.json import JsonStorage
from schema_support import assert_shape
from ticket_support import DOORS_OPEN, stocked_data_dir

SECRET = "a long random key secret, base64: c2VjcmV0"
OTHER = "another deployment's key secret"
runner = CliRunner()


@pytest.fixture
def data(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.delenv("CINEMA_KEY_SECRET", raising=False)
    monkeypatch.delenv("CINEMA_KEY_SECRET_FILE", raising=False)
    return stocked_data_dir(tmp_path, monkeypatch)


def run(*args: str, secret: str | None = None, now: Any = None, code: int = 0) -> Any:
    env = {"CINEMA_NOW": now.isoformat()} if now is not None else {}
    if secret is not None:
        env["CINEMA_KEY_SECRET"] = secret
    result = runner.invoke(app, list(args), env=env)
    assert result.exit_code == code, (result.stdout, result.stderr)
    if secret is not None:
        assert secret not in result.stdout + result.stderr
    return result


def cli(*args: str, secret: str | None = None, now: Any = None, code: int = 0) -> Any:
    """``cinema ARGS --json``: the document on stdout, or the error body on stderr."""
    result = run(*args, "--json", secret=secret, now=now, code=code)
    if code and not result.stdout:
        return json.loads(result.stderr)["error"]
    return json.loads(result.stdout)


def buy(seat: str, secret: str | None = None) -> str:
    """Sell one seat; its ticket code."""
    held = cli("reserve", "s1", seat)
    bought = cli(
        "buy", held["reservation_id"], "--session", held["session_id"], "--name", "Ada",
        "--email", "ada@example.org", "--card", "4242424242424242", secret=secret,
    )  # fmt: skip
    code: str = bought["tickets"][0]["code"]
    return code


def stored(data: Path) -> list[SigningKeyRecord]:
    storage = JsonStorage(data)
    try:
        return storage.signing_keys()
    finally:
        storage.close()


def two_plain_keys() -> list[str]:
    """Tickets sold under two keys made without a secret (the first one retired); their codes."""
    codes = [buy("A1")]
    run("keys", "rotate", now=NOW + timedelta(minutes=1))
    codes.append(buy("A2"))
    return codes


def test_keys_made_without_a_secret_are_sealed_and_keep_signing(data: Path) -> None:
    old_codes = two_plain_keys()
    plain = stored(data)
    assert [is_plain(k.private_key) for k in plain] == [True, True]

    sealed = cli("keys", "seal", secret=SECRET)

    assert_shape("keys_seal", sealed)
    assert sealed == {"sealed": [k.key_id for k in plain], "already": [], "unopened": []}
    after = stored(data)
    assert all(is_sealed(k.private_key) for k in after)
    assert [(k.key_id, k.public_key, k.active) for k in after] == [
        (k.key_id, k.public_key, k.active) for k in plain
    ]
    # tickets sold before still check in; new ones are signed with the (now sealed) active key
    for code in old_codes:
        assert cli("checkin", code, now=DOORS_OPEN)["status"] == "admitted"
    new_code = buy("A3", secret=SECRET)
    assert split_code(new_code)[0].key_id == after[-1].key_id
    assert cli("checkin", new_code, now=DOORS_OPEN)["status"] == "admitted"


def test_a_second_run_seals_nothing_and_says_so(data: Path) -> None:
    two_plain_keys()
    first = run("keys", "seal", secret=SECRET)
    ids = [k.key_id for k in stored(data)]
    assert f"Sealed 2 signing key(s) with the key secret: {', '.join(ids)}." in first.stdout
    texts = [k.private_key for k in stored(data)]

    again = run("keys", "seal", secret=SECRET)

    assert "Nothing to seal: no signing key is stored unencrypted." in again.stdout
    assert f"Sealed before: 2 ({', '.join(ids)})." in again.stdout
    assert cli("keys", "seal", secret=SECRET) == {"sealed": [], "already": ids, "unopened": []}
    assert [k.private_key for k in stored(data)] == texts


def test_without_a_secret_it_refuses_naming_the_variable(data: Path) -> None:
    two_plain_keys()
    before = stored(data)

    error = cli("keys", "seal", code=6)
    assert error["code"] == "key_secret"
    assert "CINEMA_KEY_SECRET" in error["message"]
    plain = run("keys", "seal", code=6)
    assert "CINEMA_KEY_SECRET" in plain.stderr
    assert stored(data) == before


def test_a_store_without_keys_has_nothing_to_seal(data: Path) -> None:
    result = run("keys", "seal", secret=SECRET)
    assert "there is no signing key yet" in result.stdout
    assert stored(data) == []


def test_after_sealing_a_wrong_or_missing_secret_stops_signing(data: Path) -> None:
    two_plain_keys()
    cli("keys", "seal", secret=SECRET)

    for seat, secret in (("A4", OTHER), ("A5", None)):
        held = cli("reserve", "s1", seat)
        refused = cli(
            "buy", held["reservation_id"], "--session", held["session_id"], "--name", "Ada",
            "--email", "ada@example.org", "--card", "4242424242424242", secret=secret, code=6,
        )  # fmt: skip
        assert refused["code"] == "key_secret"
        assert "CINEMA_KEY_SECRET" in refused["message"]
    assert len(stored(data)) == 2  # never a new key


def test_a_retired_key_sealed_with_another_secret_is_reported_and_left_alone(data: Path) -> None:
    buy("A1", secret=OTHER)  # the first key, sealed with another secret
    run("keys", "rotate", now=NOW + timedelta(minutes=1))  # no secret: the new key is plain
    foreign, plain = stored(data)

    report = cli("keys", "seal", secret=SECRET, code=6)

    assert_shape("keys_seal", report)
    assert report == {"sealed": [plain.key_id], "already": [], "unopened": [foreign.key_id]}
    again, sealed = stored(data)
    assert again == foreign
    assert is_sealed(sealed.private_key)
    text = run("keys", "seal", secret=SECRET, code=6).stdout
    assert f"Not opened: {foreign.key_id} is sealed with another secret" in text


def test_an_active_key_sealed_with_another_secret_stops_it_sealing_anything(data: Path) -> None:
    buy("A1")  # the first key, plain
    run("keys", "rotate", secret=OTHER, now=NOW + timedelta(minutes=1))  # active: sealed
    before = stored(data)

    error = cli("keys", "seal", secret=SECRET, code=6)

    assert error["code"] == "key_secret"
    assert "nothing was sealed" in error["message"]
    assert error["details"]["unopened"] == [before[1].key_id]
    assert stored(data) == before
    # with the secret the active key was sealed with, the plain one is sealed
    assert cli("keys", "seal", secret=OTHER)["sealed"] == [before[0].key_id]


def test_rotate_names_keys_seal_when_plain_keys_remain_and_a_secret_is_set(data: Path) -> None:
    buy("A1")
    later = NOW + timedelta(minutes=1)
    assert "keys seal" not in run("keys", "rotate", now=later).stdout  # no secret: no hint

    rotated = run("keys", "rotate", secret=SECRET, now=later + timedelta(minutes=1)).stdout

    plain = [k.key_id for k in stored(data) if is_plain(k.private_key)]
    assert len(plain) == 2
    assert f"2 older key(s) are still stored unencrypted ({', '.join(plain)})" in rotated
    assert rotated.rstrip().splitlines()[-1] == "cinema keys seal"
    run("keys", "seal", secret=SECRET)
    sealed = run("keys", "rotate", secret=SECRET, now=later + timedelta(minutes=2)).stdout
    assert "keys seal" not in sealed


def test_a_real_process_seals_with_the_secret_from_a_file(data: Path, tmp_path: Path) -> None:
    two_plain_keys()
    secret_file = tmp_path / "key-secret"
    secret_file.write_text(SECRET + "\n")
    env = {**os.environ, "CINEMA_DATA_DIR": str(data), "CINEMA_KEY_SECRET_FILE": str(secret_file)}
    env.pop("CINEMA_KEY_SECRET", None)

    done = subprocess.run(
        [sys.executable, "-m", "cinema_cli", "keys", "seal"],
        env=env,
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )

    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("Sealed 2 signing key(s) with the key secret: ")
    assert SECRET not in done.stdout + done.stderr
    assert all(is_sealed(k.private_key) for k in stored(data))
    assert split_code(buy("A3", secret=SECRET))[0].key_id == stored(data)[-1].key_id


def test_a_plain_key_that_is_not_its_public_half_stops_it_and_nothing_is_sealed(
    data: Path,
) -> None:
    from dataclasses import replace

    from cinema_cli.adapters.key_sealing import SecretKeySealer
    from cinema_cli.domain.errors import CorruptData
    from cinema_cli.services.key_seal import seal_plain_keys

    two_plain_keys()
    storage = JsonStorage(data)
    first, second = storage.signing_keys()
    with storage.transaction() as tx:  # the first key's private half, the second's public one
        assert tx.reseal_signing_key(first.key_id, first.private_key, second.private_key)
    broken = storage.signing_keys()

    with pytest.raises(CorruptData) as refused:
        seal_plain_keys(storage, SecretKeySealer(lambda: SECRET.encode()))

    assert refused.value.details["key_id"] == first.key_id
    assert (
        storage.signing_keys() == broken == [replace(first, private_key=second.private_key), second]
    )
    storage.close()


def test_db_upgrade_names_keys_seal_when_plain_keys_remain_and_a_secret_is_set(
    data: Path,
) -> None:
    two_plain_keys()
    assert "keys seal" not in run("db", "upgrade").stdout

    upgraded = run("db", "upgrade", secret=SECRET).stdout

    ids = ", ".join(k.key_id for k in stored(data))
    assert f"Signing keys stored unencrypted: 2 ({ids})" in upgraded
    assert upgraded.rstrip().splitlines()[-1] == "cinema keys seal"
    run("keys", "seal", secret=SECRET)
    assert "keys seal" not in run("db", "upgrade", secret=SECRET).stdout
