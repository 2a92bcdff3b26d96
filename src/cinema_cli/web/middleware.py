"""Plain ASGI middleware: one log line per request, and a cap on request bodies.

The log line is ``METHOD PATH STATUS DURATIONms`` on stderr. It never holds the query string,
headers or body, so card numbers, ticket codes and tokens cannot reach the log.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

from cinema_cli.present.errors import error

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
App = Callable[[Scope, Receive, Send], Awaitable[None]]

DEFAULT_BODY_LIMIT = 1024 * 1024
"""1 MiB: a reservation or purchase is a few hundred bytes."""
IMPORT_BODY_LIMIT = 64 * 1024 * 1024
"""64 MiB for feeds posted to ``/v1/imports/...``."""


def body_limit(path: str) -> int:
    return IMPORT_BODY_LIMIT if path.startswith("/v1/imports/") else DEFAULT_BODY_LIMIT


def _printable(path: str) -> str:
    # A hostile path must not forge log lines.
    return "".join(ch if ch.isprintable() and ch != " " else f"%{ord(ch):02X}" for ch in path)


class RequestLog:
    """Writes ``GET /v1/movies 200 3.1ms`` to stderr when each response is done."""

    def __init__(self, app: App) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status = 500

        async def send_and_note(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = int(message["status"])
            await send(message)

        try:
            await self.app(scope, receive, send_and_note)
        finally:
            elapsed = (time.perf_counter() - started) * 1000
            sys.stderr.write(
                f"{scope['method']} {_printable(scope['path'])} {status} {elapsed:.1f}ms\n"
            )
            sys.stderr.flush()


async def _refuse(send: Send, limit: int) -> None:
    import json

    body = json.dumps(
        error("body_too_large", f"request body over {limit} bytes", {"limit": limit})
    ).encode()
    await send(
        {
            "type": "http.response.start",
            "status": 413,
            "headers": [
                (b"content-type", b"application/json"),
                (b"content-length", str(len(body)).encode()),
                (b"connection", b"close"),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})


class BodyLimit:
    """Answers 413 to bodies over :func:`body_limit`, declared or streamed."""

    def __init__(self, app: App) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limit = body_limit(scope["path"])
        declared = dict(scope.get("headers", [])).get(b"content-length")
        if declared is not None and declared.isdigit() and int(declared) > limit:
            await _refuse(send, limit)
            return
        seen = 0
        refused = False

        async def counted() -> Message:
            nonlocal seen, refused
            if refused:
                return {"type": "http.disconnect"}
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > limit:
                    # Answer now; the app sees the client leave and whatever it sends is dropped.
                    refused = True
                    await _refuse(send, limit)
                    return {"type": "http.disconnect"}
            return message

        async def send_unless_refused(message: Message) -> None:
            if not refused:
                await send(message)

        await self.app(scope, counted, send_unless_refused)
