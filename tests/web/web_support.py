"""Helpers for the HTTP tests: demo data, a real server process, small request helpers."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from cinema_cli.cli.app import app
from cinema_cli.config import Settings

APPROVED_CARD = "4242424242424242"
WEB_BACKENDS = ["json", "sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)]
BUYER = {"name": "Ada Lovelace", "email": "ada@example.com", "card": APPROVED_CARD}


@dataclass
class DemoStore:
    backend: str
    data_dir: Path
    url: str

    def settings(self) -> Settings:
        return Settings(data_dir=self.data_dir, storage_url=self.url)

    def cli(self, *args: str) -> Any:
        """Run ``cinema`` in-process against this store; fails the test on a non-zero exit."""
        result = CliRunner().invoke(
            app, ["--data-dir", str(self.data_dir), "--storage", self.url, *args]
        )
        assert result.exit_code == 0, result.output
        return result

    def cli_json(self, *args: str) -> Any:
        import json

        return json.loads(self.cli(*args, "--json").stdout)

    def charges(self) -> dict[str, Any]:
        """The test payment provider's open charges (in the store): idempotency key -> charge."""
        from cinema_cli.adapters.payment import TestPaymentProvider
        from cinema_cli.storage import open_storage

        storage = open_storage(self.url, self.data_dir)
        try:
            charges: dict[str, Any] = TestPaymentProvider(storage).ledger()["charges"]
        finally:
            storage.close()
        return charges


def load_demo(store: DemoStore) -> DemoStore:
    store.cli("demo")
    return store


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@dataclass
class Server:
    process: subprocess.Popen[bytes]
    base_url: str
    log_path: Path
    stopped: bool = field(default=False)

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")

    def stop(self, timeout: float = 20) -> int:
        """SIGTERM, then wait; returns the exit code."""
        if not self.stopped:
            self.stopped = True
            if self.process.poll() is None:
                self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
                raise AssertionError("cinema serve did not stop within 20 s of SIGTERM") from None
        return self.process.returncode


def start_server(store: DemoStore, *, workers: int = 1) -> Server:
    """``cinema serve`` as a real process on a free loopback port, ready to answer."""
    import httpx

    port = free_port()
    log_path = store.data_dir.parent / f"serve-{port}.log"
    env = {**os.environ, "CINEMA_DATA_DIR": str(store.data_dir), "CINEMA_STORAGE": store.url}
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "cinema_cli",
                "serve",
                "--port",
                str(port),
                "--workers",
                str(workers),
            ],
            stdout=log,
            stderr=subprocess.STDOUT,
            env=env,
        )
    server = Server(process, f"http://127.0.0.1:{port}", log_path)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise AssertionError(f"cinema serve exited early:\n{server.log()}")
        try:
            if httpx.get(server.base_url + "/readyz", timeout=2).status_code == 200:
                return server
        except httpx.HTTPError:
            pass
        time.sleep(0.1)
    server.stop()
    raise AssertionError(f"cinema serve did not become ready:\n{server.log()}")


def first_showing(client: Any, *, min_free: int = 4) -> dict[str, Any]:
    """An upcoming demo showing with at least ``min_free`` free seats (SHOWING shape)."""
    page = client.get("/v1/movies", params={"limit": 50}).json()
    for movie in page["movies"]:
        for showing in movie["showings"]:
            if showing["seats_available"] >= min_free and showing["status"] == "scheduled":
                return dict(showing)
    raise AssertionError("no bookable showing in the demo")


def free_seats(client: Any, showing_id: str, count: int) -> list[str]:
    seats = client.get(f"/v1/showings/{showing_id}/seats").json()["seats"]
    free = [s["id"] for s in seats if s["status"] == "available" and s["category"] == "standard"]
    return free[:count]
