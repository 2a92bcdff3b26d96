"""Browsing: theaters, search, showtimes, seat map (placeholder until issue 2 lands)."""

from __future__ import annotations

import typer


def register(app: typer.Typer) -> None:
    """Attach the browsing commands."""
