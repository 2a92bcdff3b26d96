"""The ASGI application: routes, error handlers, request log, body cap, the web page.

``create_app(settings)`` builds one; ``cinema serve`` runs :func:`create_app_from_env` in
each uvicorn worker (settings come through the environment, as for every command).
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from fastapi import FastAPI, Request
from fastapi.responses import FileResponse
from fastapi.staticfiles import StaticFiles

from cinema_cli import __version__
from cinema_cli.config import Settings
from cinema_cli.web import booking_routes, catalog_routes, errors, shapes, staff_routes
from cinema_cli.web.deps import runtime
from cinema_cli.web.inflight import InFlight
from cinema_cli.web.middleware import BodyLimit, RequestLog
from cinema_cli.web.runtimes import RuntimePool
from cinema_cli.web.seat_maps import SeatMapCache

STATIC = Path(__file__).with_name("static")

DESCRIPTION = """The cinema-cli booking API: the same services and JSON shapes as `--json`.

Errors are always `{"error": {"code", "message", "details"}}`. Staff endpoints need
`Authorization: Bearer` with a token from `cinema tokens create`; a booking is read with
the `access_token` its purchase returned. Guide: docs/api.md.
"""


def create_app(settings: Settings) -> FastAPI:
    """The application over the data store that ``settings`` name."""
    pool = RuntimePool(settings)
    seat_maps = SeatMapCache(settings)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        yield
        pool.close()  # after the last in-flight request has finished
        seat_maps.close()

    app = FastAPI(
        title="cinema-cli",
        version=__version__,
        description=DESCRIPTION,
        lifespan=lifespan,
        docs_url="/docs",
        redoc_url=None,
    )
    app.state.runtimes = pool
    app.state.seat_maps = seat_maps
    app.state.inflight = InFlight()
    errors.install(app)
    app.include_router(catalog_routes.router)
    app.include_router(booking_routes.router)
    app.include_router(staff_routes.router)
    _add_health(app)
    _add_page(app)
    app.add_middleware(BodyLimit)
    app.add_middleware(RequestLog)  # outermost: logs 413s too
    return app


def create_app_from_env() -> FastAPI:
    """For uvicorn's ``--factory``: settings from ``CINEMA_*`` environment variables."""
    return create_app(Settings.from_env())


def _add_health(app: FastAPI) -> None:
    @app.get("/healthz", response_model=shapes.HealthShape, tags=["health"])
    async def healthz() -> shapes.HealthShape:
        """The process answers."""
        return shapes.health("ok")

    @app.get(
        "/readyz",
        response_model=shapes.HealthShape,
        tags=["health"],
        responses=errors.error_responses(503),
    )
    def readyz(request: Request) -> shapes.HealthShape:
        """The data store answers (``503`` when it does not)."""
        from cinema_cli.services.health import check_storage

        check_storage(runtime(request).storage)
        return shapes.health("ready")


def _add_page(app: FastAPI) -> None:
    app.mount("/static", StaticFiles(directory=STATIC), name="static")

    @app.get("/", include_in_schema=False)
    async def page() -> FileResponse:
        return FileResponse(STATIC / "index.html", headers={"Cache-Control": "no-cache"})
