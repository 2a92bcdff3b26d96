"""Ed25519 ticket signing keys and the signed :class:`~cinema_cli.services.ports.TicketCodes`.

The key ring lives in the store (the ``signing_key`` records of the storage port), so every
host sharing a store signs with the same active key and verifies with every key: a ticket
sold on one host checks in on another, and ``keys rotate`` on any host is seen by all at
once. Private keys are sealed at rest (:mod:`.key_sealing`: AES-GCM under the deployment's
``CINEMA_KEY_SECRET`` when set); public keys are stored beside them, so verifying a code
never needs the secret.

The first key is created when the first code is signed (or the first key is listed), in a
unit of work: of two hosts doing so at once, the store keeps one active key and both use it.
:meth:`KeyRing.rotate` retires the active key and adds a new one in one unit of work; old
keys keep verifying the codes they signed (each code names its key id).
:meth:`KeyRing.door_keys` tells which keys a door must still accept: the active key, and every
retired key until the last ticket it signed has expired (for ever when that is unknown).
``signed_until`` is written in the unit of work that sells the ticket, so it never lags.
Private keys are never printed or logged; only :meth:`KeyRing.public_pem` leaves this module.

Keys that older versions kept in ``<data dir>/keys/`` are moved into the store by
``cinema db upgrade``; until then the ring refuses to work (exit 7, naming the command)
rather than make a new key that would disown the tickets already sold.

``cryptography`` is imported inside the functions that sign or verify, so commands that never
touch a ticket code do not pay for loading it.
"""

from __future__ import annotations

import base64
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING

from cinema_cli.domain.errors import (
    CorruptData,
    InvalidInput,
    InvalidTicket,
    KeyNotFound,
    SchemaOutdated,
)
from cinema_cli.domain.models import utc_text
from cinema_cli.domain.signing_keys import SigningKeyRecord
from cinema_cli.domain.ticket_codes import (
    MalformedCode,
    TicketPayload,
    ceil_minute,
    floor_minute,
    join_code,
    key_id_of,
    split_code,
)

if TYPE_CHECKING:
    from cryptography.hazmat.primitives.asymmetric.ed25519 import (
        Ed25519PrivateKey,
        Ed25519PublicKey,
    )

    from cinema_cli.services.ports.storage import Reader, Storage, Transaction
    from cinema_cli.services.ports.tickets import TicketClaims

_INVALID = "this is not a valid ticket code"


@dataclass(frozen=True, slots=True)
class KeyInfo:
    """What may be shown about a signing key (never the private part)."""

    key_id: str
    created_at: str
    active: bool


def _info(record: SigningKeyRecord) -> KeyInfo:
    # Shown to the second, like every time; the microsecond only keeps the ring's order.
    created_at = utc_text(record.created_at.replace(microsecond=0))
    return KeyInfo(record.key_id, created_at, record.active)


def unmoved_keys(legacy_folder: Path | None) -> bool:
    """Whether an older version's key folder still waits for ``db upgrade``."""
    return legacy_folder is not None and (legacy_folder / "index.json").exists()


class KeyRing:
    """The ticket signing keys of a store (shared by every host that uses the store)."""

    def __init__(
        self,
        storage: Storage,
        clock: Callable[[], datetime],
        *,
        secret: Callable[[], bytes | None] = lambda: None,
        legacy_folder: Path | None = None,
    ) -> None:
        """``secret`` gives the key-encryption secret when a key is sealed or opened (only
        signing needs it; verifying uses the stored public keys)."""
        self.storage = storage
        self._clock = clock
        self._secret_source = secret
        self._legacy_folder = legacy_folder
        self._private: dict[str, Ed25519PrivateKey] = {}
        self._public: dict[str, Ed25519PublicKey] = {}

    # -- reading the ring ----------------------------------------------------------------------
    def _records(self, reader: Reader | None = None) -> list[SigningKeyRecord]:
        if unmoved_keys(self._legacy_folder):
            raise SchemaOutdated(
                f"the ticket signing keys in {self._legacy_folder} are not in the store yet",
                path=str(self._legacy_folder),
                hint="run: cinema db upgrade",
            )
        return (reader or self.storage).signing_keys()

    def _new_record(self, known: set[str], created_at: datetime) -> SigningKeyRecord:
        """A fresh active key, sealed (made outside any unit of work: scrypt takes a while)."""
        from cryptography.hazmat.primitives import serialization
        from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

        from cinema_cli.adapters.key_sealing import seal

        while True:
            private = Ed25519PrivateKey.generate()
            raw = private.public_key().public_bytes(
                serialization.Encoding.Raw, serialization.PublicFormat.Raw
            )
            key_id = key_id_of(raw)
            if key_id not in known:  # 1 in 4 billion; then simply make another key
                break
        private_raw = private.private_bytes(
            serialization.Encoding.Raw,
            serialization.PrivateFormat.Raw,
            serialization.NoEncryption(),
        )
        self._private[key_id] = private
        return SigningKeyRecord(
            key_id=key_id,
            public_key=base64.b64encode(raw).decode("ascii"),
            private_key=seal(private_raw, key_id, self._secret_source()),
            active=True,
            created_at=created_at,
        )

    def _active(self, unit: Transaction | None = None) -> SigningKeyRecord:
        """The active key; the first one is made when there is none."""
        records = self._records(unit)
        active = next((r for r in records if r.active), None)
        if active is not None:
            return active
        candidate = self._new_record({r.key_id for r in records}, self._clock())
        if unit is not None:
            return unit.add_signing_key(candidate)
        with self.storage.transaction() as tx:
            return tx.add_signing_key(candidate)  # another host's key if it won the race

    # -- public API ----------------------------------------------------------------------------
    def list_keys(self) -> list[KeyInfo]:
        """Every key, oldest first (creates the first key when there is none)."""
        self._active()
        return [_info(r) for r in self._records()]

    def known_key_ids(self) -> set[str]:
        """The ids of every key, without creating one (a store with no keys signed nothing)."""
        return {r.key_id for r in self._records()}

    def active_key_id(self, unit: Transaction | None = None) -> str:
        return self._active(unit).key_id

    def note_signed(
        self, key_id: str, valid_until: datetime, unit: Transaction | None = None
    ) -> None:
        """Remember that ``key_id`` signs a code valid until ``valid_until`` (in the unit of
        work that sells it), so that :meth:`door_keys` keeps the key while that code is valid."""
        if unit is not None:
            unit.note_key_signed(key_id, valid_until)
            return
        key = next((r for r in self._records() if r.key_id == key_id), None)
        if key is None or not key.history_known:
            return  # unknown key (verify refuses it) or unknown history (kept for ever)
        if key.signed_until is None or key.signed_until < valid_until:
            with self.storage.transaction() as tx:
                tx.note_key_signed(key_id, valid_until)

    def door_keys(self) -> list[KeyInfo]:
        """The keys a door must accept now, oldest first: the active key, and each retired key
        whose last signed code has not expired yet (or whose last code is unknown: it was
        signed before the ring kept count)."""
        self._active()
        now = self._clock()
        return [_info(r) for r in self._records() if r.needed_at(now)]

    def rotate(self) -> KeyInfo:
        """Retire the active key and make a new one, in one unit of work seen by every host;
        old keys keep verifying. Of two rotations at once, one new key wins and both report it."""
        records = self._records()
        now = self._clock()
        # A new key is never older than the keys it follows, even under a pinned clock
        # (CINEMA_NOW), so "oldest first" stays the order in which keys were made.
        newest = max((r.created_at for r in records), default=now)
        created_at = max(now, newest + timedelta(microseconds=1)) if records else now
        candidate = self._new_record({r.key_id for r in records}, created_at)
        with self.storage.transaction() as tx:
            for record in tx.signing_keys():
                if record.active:
                    tx.retire_signing_key(record.key_id, now)
            stored = tx.add_signing_key(candidate)
        return _info(stored)

    def private_key(self, key_id: str, unit: Transaction | None = None) -> Ed25519PrivateKey:
        """The private half, opened with the secret (read within ``unit`` when given: a key
        another host made a moment ago is there, not yet in this process's earlier reads)."""
        if key_id not in self._private:
            from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

            from cinema_cli.adapters.key_sealing import unseal

            record = self._record(key_id, unit)
            raw = unseal(record.private_key, key_id, self._secret_source())
            try:
                self._private[key_id] = Ed25519PrivateKey.from_private_bytes(raw)
            except ValueError:
                raise CorruptData(
                    f"the ticket signing key {key_id} in the store is not an Ed25519 key",
                    key_id=key_id,
                ) from None
        return self._private[key_id]

    def _record(self, key_id: str, reader: Reader | None = None) -> SigningKeyRecord:
        record = next((r for r in self._records(reader) if r.key_id == key_id), None)
        if record is None:
            raise KeyNotFound(f"no signing key has id {key_id!r}", key_id=key_id)
        return record

    def public_key(self, key_id: str) -> Ed25519PublicKey:
        """The public half, from the store (no secret needed)."""
        if key_id not in self._public:
            from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

            raw = base64.b64decode(self._record(key_id).public_key)
            try:
                self._public[key_id] = Ed25519PublicKey.from_public_bytes(raw)
            except ValueError:
                raise CorruptData(
                    f"the ticket signing key {key_id} in the store has no valid public key",
                    key_id=key_id,
                ) from None
        return self._public[key_id]

    def public_pem(self, key_id: str | None = None) -> str:
        """The public key (SubjectPublicKeyInfo PEM) of ``key_id`` or of the active key."""
        from cryptography.hazmat.primitives import serialization

        public = self.public_key(key_id or self.active_key_id())
        return public.public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        ).decode("ascii")


def _verify(code: str, find_key: Callable[[str], Ed25519PublicKey | None]) -> TicketPayload:
    """Check a code's form and signature; every failure is the same vague InvalidTicket."""
    from cryptography.exceptions import InvalidSignature

    try:
        payload, message, signature = split_code(code)
    except MalformedCode:
        raise InvalidTicket(_INVALID) from None
    public = find_key(payload.key_id)
    if public is None:
        raise InvalidTicket(_INVALID)
    try:
        public.verify(signature, message)
    except InvalidSignature:
        raise InvalidTicket(_INVALID) from None
    return payload


class Ed25519TicketCodes:
    """Signs ticket codes with the active key; verifies them with any key of the ring."""

    def __init__(self, keyring: KeyRing) -> None:
        self.keyring = keyring

    def issue(self, claims: TicketClaims, unit: Transaction | None = None) -> str:
        """Sign with the active key; within ``unit`` (the sale's unit of work) the first key
        and the key's ``signed_until`` are written with the sale."""
        key_id = self.keyring.active_key_id(unit)
        payload = TicketPayload(
            ticket_id=claims.ticket_id,
            showing_id=claims.showing_id,
            seat_id=claims.seat_id,
            valid_from=floor_minute(claims.valid_from),
            valid_until=ceil_minute(claims.valid_until),
            key_id=key_id,
        )
        message = payload.message()
        signature = self.keyring.private_key(key_id, unit).sign(message)
        self.keyring.note_signed(key_id, payload.valid_until, unit)
        return join_code(message, signature)

    def verify(self, code: str) -> TicketPayload:
        """The payload of a genuine code; :class:`InvalidTicket` for anything else."""
        known = self.keyring.known_key_ids()
        return _verify(
            code, lambda key_id: self.keyring.public_key(key_id) if key_id in known else None
        )


class PublicKeyVerifier:
    """Verifies codes with exported public keys only (offline check-in at a door)."""

    def __init__(self, pem: bytes) -> None:
        from cryptography.hazmat.primitives import serialization
        from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

        self._keys: dict[str, Ed25519PublicKey] = {}
        blocks = [block for block in pem.split(b"-----END PUBLIC KEY-----") if block.strip()]
        for block in blocks:
            try:
                loaded = serialization.load_pem_public_key(block + b"-----END PUBLIC KEY-----\n")
            except ValueError:
                raise InvalidInput(
                    "--public-key: not a PEM public key (export one with `cinema keys public`)",
                    field="public_key",
                ) from None
            if not isinstance(loaded, Ed25519PublicKey):
                raise InvalidInput("--public-key: not an Ed25519 public key", field="public_key")
            raw = loaded.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
            self._keys[key_id_of(raw)] = loaded
        if not self._keys:
            raise InvalidInput("--public-key: the file holds no public key", field="public_key")

    def verify(self, code: str) -> TicketPayload:
        return _verify(code, self._keys.get)
