"""Private signing keys at rest: sealed with the deployment's key-encryption secret.

With a secret (``CINEMA_KEY_SECRET`` or the file named by ``CINEMA_KEY_SECRET_FILE``) a
private key is encrypted with AES-256-GCM under a key derived from the secret by scrypt with
a fresh random salt per key; the key id is the associated data, so a sealed key copied onto
another key's record does not open. Without a secret the key is stored as it is (marked
``plain``): then only the store's own access control protects it (owner-only files for JSON
and SQLite, the database's roles for PostgreSQL).

Text forms (one string per key, in the store's ``private_key`` field)::

    aes-256-gcm+scrypt:v1:<salt b64>:<nonce b64>:<ciphertext b64>
    plain:v1:<raw private key b64>
"""

from __future__ import annotations

import base64
import os
from collections.abc import Callable

from cinema_cli.domain.errors import CorruptData, KeySecretError
from cinema_cli.domain.signing_keys import SigningKeyRecord

_SEALED = "aes-256-gcm+scrypt:v1:"
_PLAIN = "plain:v1:"
# scrypt's cost: 16 MiB and tens of milliseconds, paid once per key per process.
_SCRYPT_N, _SCRYPT_R, _SCRYPT_P = 2**14, 8, 1
SECRET_NAMES = "CINEMA_KEY_SECRET (or CINEMA_KEY_SECRET_FILE)"


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def _derive(secret: bytes, salt: bytes) -> bytes:
    from cryptography.hazmat.primitives.kdf.scrypt import Scrypt

    return Scrypt(salt=salt, length=32, n=_SCRYPT_N, r=_SCRYPT_R, p=_SCRYPT_P).derive(secret)


def is_sealed(text: str) -> bool:
    """Whether the stored private key is encrypted (needs the secret to open)."""
    return text.startswith(_SEALED)


def is_plain(text: str) -> bool:
    """Whether the stored private key is unencrypted (made while no secret was set)."""
    return text.startswith(_PLAIN)


def seal(private_raw: bytes, key_id: str, secret: bytes | None) -> str:
    """The stored form of a raw private key: encrypted when there is a secret."""
    if not secret:
        return _PLAIN + _b64(private_raw)
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM

    salt, nonce = os.urandom(16), os.urandom(12)
    sealed = AESGCM(_derive(secret, salt)).encrypt(nonce, private_raw, key_id.encode("ascii"))
    return f"{_SEALED}{_b64(salt)}:{_b64(nonce)}:{_b64(sealed)}"


def unseal(text: str, key_id: str, secret: bytes | None) -> bytes:
    """The raw private key of a stored one; :class:`KeySecretError` when the secret is
    missing or is not the one the key was sealed with (never a traceback, never a new key)."""
    if text.startswith(_PLAIN):
        return base64.b64decode(text.removeprefix(_PLAIN))
    if not is_sealed(text):
        raise KeySecretError(
            f"the ticket signing key {key_id} is stored in a form this cinema-cli cannot read",
            key_id=key_id,
        )
    if not secret:
        raise KeySecretError(
            f"the ticket signing key {key_id} is encrypted: set {SECRET_NAMES} to the "
            "key secret every host of this deployment uses",
            key_id=key_id,
        )
    from cryptography.exceptions import InvalidTag
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM

    salt, nonce, sealed = (base64.b64decode(part) for part in text[len(_SEALED) :].split(":"))
    try:
        return AESGCM(_derive(secret, salt)).decrypt(nonce, sealed, key_id.encode("ascii"))
    except InvalidTag:
        raise KeySecretError(
            f"the ticket signing key {key_id} does not open with this {SECRET_NAMES}: "
            "it is not the secret the key was encrypted with; set the one every host uses",
            key_id=key_id,
        ) from None


class SecretKeySealer:
    """Seals stored keys' plain private halves with the secret (the
    :class:`~cinema_cli.services.ports.tickets.KeySealer` of ``cinema keys seal``)."""

    def __init__(self, secret: Callable[[], bytes | None]) -> None:
        self._secret_source = secret

    def has_secret(self) -> bool:
        return bool(self._secret_source())

    def require_secret(self) -> None:
        if not self.has_secret():
            raise KeySecretError(
                f"no key secret is set: set {SECRET_NAMES} to the key secret every host of "
                "this deployment uses, then seal the unencrypted signing keys with it",
                field="CINEMA_KEY_SECRET",
            )

    def is_plain(self, record: SigningKeyRecord) -> bool:
        return is_plain(record.private_key)

    def sealed(self, record: SigningKeyRecord) -> str:
        from cryptography.hazmat.primitives import serialization
        from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

        raw = unseal(record.private_key, record.key_id, None)
        try:
            public = Ed25519PrivateKey.from_private_bytes(raw).public_key()
        except ValueError:
            public = None
        expected = base64.b64decode(record.public_key)
        if public is None or expected != public.public_bytes(
            serialization.Encoding.Raw, serialization.PublicFormat.Raw
        ):
            # Sealing it would hide the damage behind the secret; say so and change nothing.
            raise CorruptData(
                f"the ticket signing key {record.key_id} in the store: its private half is "
                "not the Ed25519 key of its public half",
                key_id=record.key_id,
            )
        return seal(raw, record.key_id, self._secret_source())

    def check_opens(self, record: SigningKeyRecord) -> None:
        unseal(record.private_key, record.key_id, self._secret_source())
