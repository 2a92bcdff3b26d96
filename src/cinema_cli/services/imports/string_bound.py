"""A pass-through byte stream that stops a JSON feed at its first over-long string.

``ijson`` builds each string value whole, so one huge value would fill memory before any
check on the parsed record could run. :class:`BoundedStrings` sits between the feed and
``ijson``: it hands every byte on unchanged, tracks whether it is inside a string literal
(quotes and backslash escapes) and raises :class:`StringTooLong` as soon as one literal
runs past ``limit`` bytes, so at most one read chunk past the limit is ever held.

The scan uses ``bytes.find`` and ``bytes.count`` (C loops); Python work is per quote and
per escape, not per byte.
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
        self._escaped = False  # the previous chunk ended on an unescaped backslash
        self._length = 0  # bytes of the open string literal so far
        self._start = 0  # where the open string literal starts (feed byte offset)

    def read(self, size: int = -1) -> bytes:
        """The next bytes of the source, exactly as read."""
        chunk = self._source.read(size)
        if chunk:
            self._scan(chunk)
            self._lines += chunk.count(b"\n")
            self._consumed += len(chunk)
        return chunk

    def _scan(self, chunk: bytes) -> None:
        end = len(chunk)
        at = 0
        if self._escaped:
            self._escaped = False
            self._length += 1
            at = 1
        quote = -1  # the next quote at or after ``at`` (found once, reused across escapes)
        while at < end:
            if quote < at:
                quote = chunk.find(b'"', at)
                if quote < 0:
                    quote = end
            if not self._in_string:
                if quote == end:
                    return
                self._in_string, self._length, self._start = True, 0, self._consumed + quote
                at = quote + 1
                continue
            backslash = chunk.find(b"\\", at, quote)
            if backslash >= 0:
                # An escape: the byte after the backslash never closes the string.
                if backslash + 1 >= end:
                    self._escaped = True
                    self._length += end - at
                    break
                self._length += backslash + 2 - at
                at = backslash + 2
                if self._length > self._limit:
                    self._refuse(chunk, at)
                continue
            self._length += quote - at
            if self._length > self._limit:
                self._refuse(chunk, quote)
            if quote == end:
                return
            self._in_string = False
            at = quote + 1
        if self._in_string and self._length > self._limit:
            self._refuse(chunk, end)

    def _refuse(self, chunk: bytes, at: int) -> None:
        # A valid string holds no raw line break, so the line here is the string's line.
        line = self._lines + chunk.count(b"\n", 0, at)
        raise StringTooLong(self._limit, line, self._start)
