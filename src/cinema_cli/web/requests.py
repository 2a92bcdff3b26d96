"""Request bodies, validated by pydantic (errors name the field and never echo the value)."""

from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field

Id = Annotated[str, Field(min_length=1, max_length=200, pattern=r"^[^\x00-\x1f\x7f]+$")]
"""An id as stored: no control characters (PostgreSQL text cannot even hold NUL)."""


class ReservationRequest(BaseModel):
    """``seatReservation``: name ``seats``, or ask for the best ``count`` of a ``category``."""

    model_config = ConfigDict(extra="forbid")

    showing_id: Id
    movie_id: Id | None = None
    session_id: str | None = Field(
        default=None,
        max_length=64,
        description="Reserving again in a session replaces its hold; omitted: a new session.",
    )
    seats: list[str] | None = Field(default=None, max_length=50, examples=[["C7", "C8"]])
    count: int | None = Field(default=None, ge=-1000, le=1000)
    category: str | None = Field(default=None, max_length=40)
    wheelchair: int = Field(
        default=0,
        ge=0,
        le=1000,
        description="With count: how many of the seats are wheelchair spaces, each held with "
        "its companion seat.",
    )
    together: bool = Field(
        default=False,
        description="With count: refuse a split over rows (409, naming the largest block).",
    )


class PurchaseRequest(BaseModel):
    """The buyer and the card (test cards: 4242424242424242 approves, 4000000000000002 declines)."""

    model_config = ConfigDict(extra="forbid")

    session_id: str = Field(min_length=1, max_length=64)
    name: str = Field(min_length=1, max_length=200)
    email: str = Field(min_length=1, max_length=320)
    card: str = Field(min_length=1, max_length=40)


class CheckinRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    code: str = Field(min_length=1, max_length=4000, description="The text of the ticket's QR.")
    gate: str | None = Field(default=None, max_length=64)


class CancelRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    tickets: list[str] | None = Field(
        default=None, max_length=50, description="Seats or ticket ids; omitted: all tickets."
    )
