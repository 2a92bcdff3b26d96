"""``keys seal`` on a shared store (fake, json, sqlite, postgresql): hosts sealing at once seal
each key once, and a host selling meanwhile keeps signing."""

from __future__ import annotations

import threading
from datetime import timedelta
from typing import Any

from contract_backends import Backend

from builders import NOW
from cinema_cli.adapters.key_sealing import SecretKeySealer, is_sealed, unseal
from cinema_cli.adapters.signing import Ed25519TicketCodes, KeyRing
from cinema_cli.domain.ticket_codes import split_code
from cinema_cli.services.key_seal import seal_plain_keys
from cinema_cli.services.ports.tickets import TicketClaims

SECRET = b"the deployment's key secret"
CLAIMS = TicketClaims("T-1", "s1", "A1", NOW, NOW + timedelta(hours=3))


def test_hosts_sealing_at_once_seal_each_key_once_while_another_signs(backend: Backend) -> None:
    unsealed = KeyRing(backend.open(), lambda: NOW)
    old_codes = [Ed25519TicketCodes(unsealed).issue(CLAIMS)]
    for _ in range(2):
        unsealed.rotate()
        old_codes.append(Ed25519TicketCodes(unsealed).issue(CLAIMS))
    key_ids = [k.key_id for k in unsealed.storage.signing_keys()]
    sealers = [backend.open() for _ in range(4)]
    seller = Ed25519TicketCodes(KeyRing(backend.open(), lambda: NOW, secret=lambda: SECRET))
    reports = []
    signed: list[str] = []
    barrier = threading.Barrier(len(sealers) + 1)

    def seal(store: Any) -> None:
        barrier.wait()
        reports.append(seal_plain_keys(store, SecretKeySealer(lambda: SECRET)))

    def sell() -> None:
        barrier.wait()
        for _ in range(5):
            signed.append(seller.issue(CLAIMS))

    threads = [threading.Thread(target=seal, args=(s,)) for s in sealers]
    threads.append(threading.Thread(target=sell))
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    sealed = sorted(k for r in reports for k in r.sealed)
    assert len(reports) == len(sealers)
    assert sealed == sorted(key_ids)  # every key once, by one host or another
    assert all(sorted(r.sealed + r.already) == sorted(key_ids) for r in reports)
    stored = sealers[0].signing_keys()
    assert all(is_sealed(k.private_key) for k in stored)
    assert all(unseal(k.private_key, k.key_id, SECRET) for k in stored)
    assert len(signed) == 5
    active = next(k.key_id for k in stored if k.active)
    assert {split_code(code)[0].key_id for code in signed} == {active}
    for code in old_codes + signed:
        assert seller.verify(code).ticket_id == "T-1"
