"""The staff token port: where API tokens for the box office, doors and admins are kept."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Literal, Protocol

StaffRole = Literal["door", "office", "admin"]
STAFF_ROLES: tuple[StaffRole, ...] = ("door", "office", "admin")


@dataclass(frozen=True, slots=True)
class StaffToken:
    """A token's record; only a hash of the secret is ever stored."""

    id: str
    name: str
    role: StaffRole
    secret_hash: str
    created_at: datetime
    revoked_at: datetime | None = None


class StaffTokenStore(Protocol):
    """Keeps token records; writes are atomic and private to the owner."""

    def tokens(self) -> list[StaffToken]:
        """Every token, oldest first, revoked ones included."""
        ...

    def add(self, token: StaffToken) -> None: ...

    def replace(self, token: StaffToken) -> None:
        """Store a changed record (same id)."""
        ...
