"""``cinema keys seal``: encrypt, with the key secret, the signing keys stored unencrypted.

Keys made while no secret was set keep their private halves as ``plain`` text in the store
(and in its backups). Sealing re-stores each of them encrypted, retired keys too, in one unit
of work: all of them or none. The expensive part (scrypt, per key) happens before the unit of
work; inside it each key is replaced only while it still holds the plain text read before
(compare and set in the store), so of two hosts sealing at once each key is sealed once, and
a host signing meanwhile reads either form, both of which it opens with the secret.

A key already sealed with another secret cannot be opened here: it is reported and left
alone. When that key is the active one, this host's secret is not the one that signs, so
nothing is sealed (sealing with it would stop the other hosts signing).
"""

from __future__ import annotations

from dataclasses import dataclass

from cinema_cli.domain.errors import KeySecretError
from cinema_cli.domain.signing_keys import SigningKeyRecord
from cinema_cli.services.ports.storage import Storage
from cinema_cli.services.ports.tickets import KeySealer


@dataclass(frozen=True, slots=True)
class SealReport:
    """What ``keys seal`` did, key ids in the ring's order (oldest first)."""

    sealed: tuple[str, ...]
    """Keys this run sealed (their private halves were stored unencrypted)."""
    already: tuple[str, ...]
    """Keys that were sealed before with this secret, or by another run meanwhile."""
    unopened: tuple[str, ...]
    """Keys sealed with another secret (or in a form this release cannot read): left alone."""


def _refusal(sealer: KeySealer, record: SigningKeyRecord) -> KeySecretError | None:
    """Why the secret does not open ``record``'s private half (``None``: it does)."""
    try:
        sealer.check_opens(record)
    except KeySecretError as refused:
        return refused
    return None


def seal_plain_keys(storage: Storage, sealer: KeySealer) -> SealReport:
    """Seal every key stored unencrypted; ``KeySecretError`` without a secret, or when the
    active key is sealed with another secret (then nothing is sealed)."""
    sealer.require_secret()
    records = storage.signing_keys()
    plain = [r for r in records if sealer.is_plain(r)]
    refusals = {
        r.key_id: refused
        for r in records
        if not sealer.is_plain(r) and (refused := _refusal(sealer, r)) is not None
    }
    unopened = set(refusals)
    active = next((r for r in records if r.active), None)
    if active is not None and active.key_id in refusals:
        refused = refusals[active.key_id]
        raise KeySecretError(
            f"{refused.message}; nothing was sealed",
            **{**refused.details, "unopened": sorted(unopened)},
        )
    sealed_texts = [(record, sealer.sealed(record)) for record in plain]
    done: set[str] = set()
    with storage.transaction() as tx:
        for record, text in sealed_texts:
            if tx.reseal_signing_key(record.key_id, record.private_key, text):
                done.add(record.key_id)
    order = [r.key_id for r in records]
    return SealReport(
        sealed=tuple(k for k in order if k in done),
        already=tuple(k for k in order if k not in done and k not in unopened),
        unopened=tuple(k for k in order if k in unopened),
    )


def plain_key_ids(storage: Storage, sealer: KeySealer) -> list[str]:
    """The keys ``keys seal`` would seal now: those stored unencrypted, when a secret is set
    (``[]`` without one: then unencrypted is what the deployment chose)."""
    if not sealer.has_secret():
        return []
    return [r.key_id for r in storage.signing_keys() if sealer.is_plain(r)]
