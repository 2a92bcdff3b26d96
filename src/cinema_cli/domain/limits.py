"""How much cinema-cli reads from outside, at most (README "Limits"; exit 6 past them).

Each limit is checked before the input is read whole, so a hostile file or pipe
(``/dev/zero``) costs at most the limit in memory.
"""

from __future__ import annotations

PUBLIC_KEY_BYTES = 64 * 1024
"""``checkin --offline --public-key``: a PEM file of public keys (one key is ~113 bytes)."""
CODE_CHARACTERS = 4 * 1024
"""A ticket code read from standard input (``checkin -``); real codes are ~200 characters."""
CARD_CHARACTERS = 256
"""A card number read from standard input (``buy --card -``)."""
IMAGE_BYTES = 32 * 1024 * 1024
"""A QR picture (``checkin --image``)."""
IMAGE_PIXELS = 40_000_000
"""A QR picture's width times height (a phone photo is ~12 million)."""
FEED_FIELD_CHARACTERS = 64 * 1024
"""One value (cell) of a CSV feed, and one line of a JSON Lines feed is at most 16 times it."""
FEED_LINE_BYTES = 16 * FEED_FIELD_CHARACTERS
"""One line of a JSON Lines feed."""
FEED_STRING_BYTES = 6 * FEED_FIELD_CHARACTERS
"""One string literal of a JSON (array) feed as written: room for any value of
``FEED_FIELD_CHARACTERS`` characters, even one written all in ``\\uXXXX`` escapes."""
THEATER_FEED_BYTES = 64 * 1024 * 1024
"""A JSON (not JSON Lines) theater feed, which is read whole."""
