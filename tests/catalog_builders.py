"""Moved to :mod:`builders`; this name stays for branches written before the move."""

from builders import NOW, city, movie, showing, theater

__all__ = ["NOW", "city", "movie", "showing", "theater"]
