"""``cinema serve``: the booking API and the web page over HTTP (needs cinema-cli[serve])."""

from __future__ import annotations

import os
import sys
from typing import Annotated

import typer

INSTALL_HINT = "pip install 'cinema-cli[serve]'  (or pipx inject cinema-cli fastapi uvicorn)"


def serve(
    host: Annotated[str, typer.Option("--host", help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option("--port", min=1, max=65535, help="TCP port.")] = 8000,
    workers: Annotated[int, typer.Option("--workers", min=1, max=64, help="Worker processes.")] = 1,
) -> None:
    """Serve the booking API (/v1, docs at /docs) and the seat-picking web page (/).

    Example: cinema demo && cinema serve --port 8000, then open http://127.0.0.1:8000/

    Logs one line per request on stderr; stops gracefully on SIGTERM or Ctrl-C.
    Guide: docs/api.md.
    """
    from cinema_cli.cli.context import runtime
    from cinema_cli.domain.errors import MissingExtra

    try:
        import fastapi  # noqa: F401
        import uvicorn
    except ImportError:
        raise MissingExtra(
            "cinema serve needs FastAPI and uvicorn, which are not installed", hint=INSTALL_HINT
        ) from None
    _check_port_free(host, port)
    settings = runtime().settings
    # Workers are new processes: they read the same settings from the environment.
    os.environ["CINEMA_DATA_DIR"] = str(settings.data_dir)
    os.environ["CINEMA_STORAGE"] = settings.storage_url
    shown = "localhost" if host in ("0.0.0.0", "::") else host
    sys.stderr.write(
        f"cinema serve: http://{shown}:{port}/ (API docs: /docs), "
        f"storage {settings.storage_url}, data {settings.data_dir}\n"
    )
    sys.stderr.flush()
    uvicorn.run(
        "cinema_cli.web.app:create_app_from_env",
        factory=True,
        host=host,
        port=port,
        workers=workers,
        access_log=False,  # ours logs without query strings (RequestLog)
        log_level="info",
        timeout_graceful_shutdown=30,
        server_header=False,
    )


def _check_port_free(host: str, port: int) -> None:
    """A port another program listens on is a usage error naming ``--port`` (uvicorn would
    only log it and exit)."""
    import socket

    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((host, port))
        except OSError as error:
            raise typer.BadParameter(
                f"cannot listen on {host}:{port}: {error.strerror or error}; choose another port",
                param_hint="--port",
            ) from None


def register(app: typer.Typer) -> None:
    """Attach ``cinema serve``."""
    app.command("serve")(serve)
