"""Signing keys and signed codes: permissions, rotation, forgery and mutation resistance."""

from __future__ import annotations

import random
import stat
from datetime import timedelta
from pathlib import Path

import pytest

from builders import NOW
from cinema_cli.adapters.signing import Ed25519TicketCodes, KeyRing, PublicKeyVerifier
from cinema_cli.domain.errors import InvalidInput, InvalidTicket, KeyNotFound
from cinema_cli.domain.ticket_codes import BASE45_ALPHABET
from cinema_cli.services.ports.tickets import TicketClaims
from cinema_cli.storage.json import JsonStorage

CLAIMS = TicketClaims("T-7F3A9C", "babylon-2026-11-24-1900", "C12", NOW, NOW + timedelta(hours=5))


def _ring(tmp_path: Path, name: str = "data", secret: bytes | None = None) -> KeyRing:
    return KeyRing(JsonStorage(tmp_path / name), lambda: NOW, secret=lambda: secret)


def test_the_first_key_is_created_on_first_use_in_the_store_owner_only(tmp_path: Path) -> None:
    ring = _ring(tmp_path)
    assert ring.storage.signing_keys() == []
    Ed25519TicketCodes(ring).issue(CLAIMS)
    [stored] = ring.storage.signing_keys()
    assert (stored.key_id, stored.active) == (ring.active_key_id(), True)
    folder = tmp_path / "data"
    assert stat.S_IMODE(folder.stat().st_mode) == 0o700
    assert stat.S_IMODE((folder / "signing-keys.json").stat().st_mode) == 0o600


def test_a_code_names_its_key_and_verifies(tmp_path: Path) -> None:
    codes = Ed25519TicketCodes(_ring(tmp_path))
    payload = codes.verify(codes.issue(CLAIMS))
    assert (payload.ticket_id, payload.showing_id, payload.seat_id) == (
        "T-7F3A9C",
        "babylon-2026-11-24-1900",
        "C12",
    )
    assert payload.key_id == codes.keyring.active_key_id()
    assert payload.valid_from == NOW
    assert payload.valid_until == NOW + timedelta(hours=5)


def test_rotation_signs_with_the_new_key_and_old_codes_stay_valid(tmp_path: Path) -> None:
    ring = _ring(tmp_path)
    codes = Ed25519TicketCodes(ring)
    old_code = codes.issue(CLAIMS)
    old_key = ring.active_key_id()
    new = ring.rotate()
    assert new.key_id != old_key
    assert ring.active_key_id() == new.key_id
    assert [k.active for k in ring.list_keys()] == [False, True]
    assert codes.verify(old_code).key_id == old_key
    # A fresh ring over the same folder (a new process) sees the same keys.
    again = Ed25519TicketCodes(_ring(tmp_path))
    assert again.verify(codes.issue(CLAIMS)).key_id == new.key_id
    assert again.verify(old_code).key_id == old_key


def test_a_code_signed_by_another_cinemas_key_is_refused(tmp_path: Path) -> None:
    ours = Ed25519TicketCodes(_ring(tmp_path, "ours"))
    theirs = Ed25519TicketCodes(_ring(tmp_path, "theirs"))
    with pytest.raises(InvalidTicket) as refused:
        ours.verify(theirs.issue(CLAIMS))
    assert refused.value.details == {}
    with pytest.raises(InvalidTicket):
        PublicKeyVerifier(ours.keyring.public_pem().encode()).verify(theirs.issue(CLAIMS))


def test_a_code_with_our_key_id_but_a_foreign_signature_is_refused(tmp_path: Path) -> None:
    """A forger who copies our key id into a code signed by their own key gains nothing."""
    from cinema_cli.domain.ticket_codes import join_code, split_code

    ours = Ed25519TicketCodes(_ring(tmp_path, "ours"))
    theirs = _ring(tmp_path, "theirs")
    genuine, _, _ = split_code(ours.issue(CLAIMS))
    message = genuine.message()
    forged = join_code(message, theirs.private_key(theirs.active_key_id()).sign(message))
    with pytest.raises(InvalidTicket):
        ours.verify(forged)


def _mutate(code: str, rng: random.Random) -> str:
    """One random change: replace, insert, delete, swap or truncate; never a no-op."""
    while True:
        chars = list(code)
        position = rng.randrange(len(chars))
        kind = rng.choice(["replace", "insert", "delete", "swap", "truncate", "case", "extend"])
        if kind == "replace":
            chars[position] = rng.choice(BASE45_ALPHABET + "abc=_\n")
        elif kind == "insert":
            chars.insert(position, rng.choice(BASE45_ALPHABET))
        elif kind == "delete":
            del chars[position]
        elif kind == "swap" and position + 1 < len(chars):
            chars[position], chars[position + 1] = chars[position + 1], chars[position]
        elif kind == "truncate":
            chars = chars[:position]
        elif kind == "case":
            chars[position] = chars[position].lower()
        elif kind == "extend":
            chars += rng.choices(BASE45_ALPHABET, k=rng.randint(1, 6))
        mutated = "".join(chars)
        if mutated != code:
            return mutated


def test_a_thousand_random_mutations_of_valid_codes_are_all_refused(tmp_path: Path) -> None:
    codes = Ed25519TicketCodes(_ring(tmp_path))
    verifier = PublicKeyVerifier(codes.keyring.public_pem().encode())
    rng = random.Random(20261124)
    originals = [
        codes.issue(TicketClaims(f"T-{n}", "s1", f"A{n + 1}", NOW, NOW + timedelta(hours=4)))
        for n in range(10)
    ]
    refused = 0
    for _ in range(1000):
        mutated = _mutate(rng.choice(originals), rng)
        for checker in (codes, verifier):
            with pytest.raises(InvalidTicket) as error:
                checker.verify(mutated)
            assert error.value.message == "this is not a valid ticket code"
            assert error.value.details == {}
        refused += 1
    assert refused == 1000


def test_public_key_files_may_hold_several_keys(tmp_path: Path) -> None:
    ring = _ring(tmp_path)
    codes = Ed25519TicketCodes(ring)
    old = codes.issue(CLAIMS)
    first = ring.public_pem()
    ring.rotate()
    both = PublicKeyVerifier((first + ring.public_pem()).encode())
    assert both.verify(old).ticket_id == "T-7F3A9C"
    assert both.verify(codes.issue(CLAIMS)).key_id == ring.active_key_id()


@pytest.mark.parametrize(
    "pem", [b"", b"hello", b"-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----\n"]
)
def test_a_public_key_file_that_is_not_a_key_is_invalid_input(pem: bytes) -> None:
    with pytest.raises(InvalidInput, match="--public-key"):
        PublicKeyVerifier(pem)


def test_an_unknown_key_id_is_not_found(tmp_path: Path) -> None:
    with pytest.raises(KeyNotFound):
        _ring(tmp_path).public_pem("deadbeef")


def test_the_public_pem_never_contains_the_private_key(tmp_path: Path) -> None:
    ring = _ring(tmp_path)
    pem = ring.public_pem()
    [stored] = ring.storage.signing_keys()
    assert "PRIVATE" not in pem
    assert stored.private_key.split(":")[-1] not in pem


def test_a_code_in_the_old_base45_form_still_verifies(tmp_path: Path) -> None:
    from cinema_cli.domain.ticket_codes import base45_encode, split_code

    codes = Ed25519TicketCodes(_ring(tmp_path))
    code = codes.issue(CLAIMS)
    assert " " not in code
    assert "$" not in code
    payload, message, signature = split_code(code)
    old = base45_encode(message + signature)  # how every code was written before
    assert old != code
    assert codes.verify(old) == payload
    assert PublicKeyVerifier(codes.keyring.public_pem().encode()).verify(old) == payload


def test_doors_keep_a_retired_key_until_its_last_ticket_expires(tmp_path: Path) -> None:
    import json

    now = [NOW]
    ring = KeyRing(JsonStorage(tmp_path), lambda: now[0])
    codes = Ed25519TicketCodes(ring)
    first = ring.active_key_id()
    codes.issue(CLAIMS)  # valid until NOW + 5 h
    second = ring.rotate().key_id
    assert [key.key_id for key in ring.door_keys()] == [first, second]
    now[0] = NOW + timedelta(hours=5)
    assert [key.key_id for key in ring.door_keys()] == [second]
    # a key from before the ring noted expiry: its last ticket is unknown, so doors keep it
    stored = json.loads((tmp_path / "signing-keys.json").read_text())
    stored["tables"]["keys"][first]["history_known"] = False
    (tmp_path / "signing-keys.json").write_text(json.dumps(stored))
    ring.storage.close()
    assert [key.key_id for key in ring.door_keys()] == [first, second]


def test_with_a_secret_the_private_key_is_encrypted_and_signs(tmp_path: Path) -> None:
    ring = _ring(tmp_path, secret=b"correct horse battery staple")
    codes = Ed25519TicketCodes(ring)
    code = codes.issue(CLAIMS)
    [stored] = ring.storage.signing_keys()
    assert stored.private_key.startswith("aes-256-gcm+scrypt:v1:")
    # another process with the same secret signs with the same key
    again = Ed25519TicketCodes(_ring(tmp_path, secret=b"correct horse battery staple"))
    assert again.verify(again.issue(CLAIMS)).key_id == stored.key_id
    assert again.verify(code).key_id == stored.key_id


@pytest.mark.parametrize("secret", [b"not the secret", None])
def test_a_wrong_or_missing_secret_is_a_clear_error_and_never_a_new_key(
    tmp_path: Path, secret: bytes | None
) -> None:
    from cinema_cli.domain.errors import KeySecretError

    first = Ed25519TicketCodes(_ring(tmp_path, secret=b"s3cr3t-value-xyz"))
    code = first.issue(CLAIMS)
    other = Ed25519TicketCodes(_ring(tmp_path, secret=secret))
    with pytest.raises(KeySecretError) as refused:
        other.issue(CLAIMS)
    assert refused.value.exit_code == 6
    assert "CINEMA_KEY_SECRET" in refused.value.message
    assert "s3cr3t" not in refused.value.message
    assert len(other.keyring.storage.signing_keys()) == 1
    # verifying needs no secret: the public keys are stored beside the sealed ones
    assert other.verify(code).ticket_id == "T-7F3A9C"


def test_a_key_folder_of_an_older_version_waits_for_db_upgrade(tmp_path: Path) -> None:
    from cinema_cli.domain.errors import SchemaOutdated

    (tmp_path / "keys").mkdir()
    (tmp_path / "keys" / "index.json").write_text("{}")
    ring = KeyRing(JsonStorage(tmp_path), lambda: NOW, legacy_folder=tmp_path / "keys")
    with pytest.raises(SchemaOutdated) as refused:
        ring.active_key_id()
    assert refused.value.details["hint"] == "run: cinema db upgrade"
    with pytest.raises(SchemaOutdated):
        ring.known_key_ids()
    assert ring.storage.signing_keys() == []
