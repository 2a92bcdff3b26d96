"""A pass-through byte stream that stops a JSON feed at its first over-long string.

``ijson`` builds each string value whole, so one huge value would fill memory before any
check on the parsed record could run. :class:`BoundedStrings` sits between the feed and
``ijson``: it hands every byte on unchanged, tracks whether it is inside a string literal
(quotes and backslash escapes) and raises :class:`StringTooLong` as soon as one literal
runs past ``limit`` bytes, so at most one read chunk past the limit is ever held.

The scan is a few C loops per chunk (``bytes.count``, ``find``, ``rfind``; escapes are
blanked with two ``bytes.replace`` when the chunk has a backslash), never Python work per byte or
per string: reads are at most ``limit`` bytes long, so a string that opens and closes
inside one chunk is short enough, and only the string open at a chunk's edges is measured.
"""

from __future__ import annotations

from typing import IO


class StringTooLong(Exception):
    """One string literal of the feed is longer than the limit."""

    def __init__(self, limit: int, line: int, offset: int) -> None:
        super().__init__(f"a string longer than {limit:,} bytes at line {line}, byte {offset}")
        self.limit = limit
        self.line = line
        self.offset = offset


class BoundedStrings:
    """``read`` of ``source``, unchanged, refusing any string literal over ``limit`` bytes."""

    def __init__(self, source: IO[bytes], limit: int, *, offset: int = 0) -> None:
        self._source = source
        self._limit = limit
        self._consumed = offset  # bytes of the feed before the current chunk
        self._lines = 1  # the line the current chunk starts on
        self._in_string = False
        self._escaped = False  # the previous chunk ended on an unpaired backslash
        self._length = 0  # bytes of the open string literal so far
        self._start = 0  # where the open string literal starts (feed byte offset)

    def read(self, size: int = -1) -> bytes:
        """The next bytes of the source, exactly as read (at most ``limit`` of them)."""
        most = max(self._limit, 1)
        chunk = self._source.read(most if size < 0 or size > most else size)
        if chunk:
            self._scan(chunk)
            self._lines += chunk.count(b"\n")
            self._consumed += len(chunk)
        return chunk

    def _scan(self, chunk: bytes) -> None:
        if self._escaped:
            self._escaped = False
            chunk = b"_" + chunk[1:]
        if b"\\" in chunk:
            # Escapes never open or close a string. Pairing backslashes left to right (what
            # ``replace`` does) leaves a backslash only before the byte it escapes; of those,
            # only ``\\"`` matters here. A last, unpaired backslash escapes the next chunk's
            # first byte.
            chunk = chunk.replace(b"\\\\", b"__").replace(b'\\"', b"__")
            if chunk.endswith(b"\\"):
                self._escaped = True
                chunk = chunk[:-1] + b"_"
        end = len(chunk)
        first = chunk.find(b'"')
        if self._in_string:
            self._length += end if first < 0 else first
            if self._length > self._limit:
                self._refuse(chunk, end if first < 0 else first)
        if first < 0:
            return
        # Every quote left is a real one: each flips in and out of a string. A string that
        # opens and closes in this chunk is shorter than the chunk, hence within the limit.
        self._in_string ^= chunk.count(b'"') % 2 == 1
        if self._in_string:
            last = chunk.rfind(b'"')
            self._length = end - last - 1
            self._start = self._consumed + last

    def _refuse(self, chunk: bytes, at: int) -> None:
        # A valid string holds no raw line break, so the line here is the string's line.
        line = self._lines + chunk.count(b"\n", 0, at)
        raise StringTooLong(self._limit, line, self._start)
