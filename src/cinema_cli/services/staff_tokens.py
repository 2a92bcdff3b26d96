"""Staff API tokens: made, listed and revoked by ``cinema tokens``, checked by ``cinema serve``.

A token is shown once, when it is made; the store keeps only its SHA-256 (the secret is 32
random bytes, so a plain hash cannot be guessed back). Roles: ``door`` checks tickets in,
``office`` cancels and refunds, ``admin`` imports and exports; ``admin`` may do everything
and ``office`` may also check in.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass, replace

from cinema_cli.domain.errors import InvalidInput, NotFound
from cinema_cli.services.ports.clock import Clock
from cinema_cli.services.ports.staff_tokens import (
    STAFF_ROLES,
    StaffRole,
    StaffToken,
    StaffTokenStore,
)

TOKEN_PREFIX = "cin_"

ALLOWED: dict[StaffRole, frozenset[StaffRole]] = {
    "door": frozenset({"door"}),
    "office": frozenset({"door", "office"}),
    "admin": frozenset({"door", "office", "admin"}),
}
"""What each role may do: a role's own work and that of the roles below it."""


class TokenNotFound(NotFound):
    """No staff token has that id or name."""

    code = "token_not_found"


@dataclass(frozen=True, slots=True)
class NewToken:
    """A token just made: ``secret`` is shown once and never stored."""

    token: StaffToken
    secret: str


def hash_secret(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def parse_role(text: str) -> StaffRole:
    for role in STAFF_ROLES:
        if text.strip().lower() == role:
            return role
    raise InvalidInput(f"--role: {text!r} is not a role ({', '.join(STAFF_ROLES)})", field="role")


def create_token(store: StaffTokenStore, clock: Clock, *, role: str, name: str) -> NewToken:
    """Make a token for ``role``; ``name`` says who or what uses it (``north-gate``)."""
    name = name.strip()
    if not name or len(name) > 64 or not name.isprintable():
        raise InvalidInput("--name: give 1 to 64 printable characters", field="name")
    if any(t.name == name and t.revoked_at is None for t in store.tokens()):
        raise InvalidInput(
            f"--name: a live token is already called {name!r}; revoke it first", field="name"
        )
    secret = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = StaffToken(
        id="tok-" + secrets.token_hex(6),
        name=name,
        role=parse_role(role),
        secret_hash=hash_secret(secret),
        created_at=clock(),
    )
    store.add(token)
    return NewToken(token, secret)


def list_tokens(store: StaffTokenStore) -> list[StaffToken]:
    return store.tokens()


def revoke_token(store: StaffTokenStore, clock: Clock, id_or_name: str) -> StaffToken:
    """Revoke a live token by id or name; it stops working at once. Idempotent by id."""
    wanted = id_or_name.strip()
    for token in store.tokens():
        if token.id == wanted or (token.name == wanted and token.revoked_at is None):
            if token.revoked_at is not None:
                return token
            revoked = replace(token, revoked_at=clock())
            store.replace(revoked)
            return revoked
    raise TokenNotFound(
        f"no live token {wanted!r}", token=wanted, hint="`cinema tokens list` shows them"
    )


def authenticate(store: StaffTokenStore, secret: str) -> StaffToken | None:
    """The live token whose secret this is, compared in constant time; ``None`` otherwise."""
    presented = hash_secret(secret)
    found = None
    for token in store.tokens():
        # Compare against every record, so timing does not tell how far the search went.
        if hmac.compare_digest(token.secret_hash, presented) and token.revoked_at is None:
            found = token
    return found


def may(token: StaffToken, role: StaffRole) -> bool:
    """True when ``token`` may do the work of ``role``."""
    return role in ALLOWED[token.role]
