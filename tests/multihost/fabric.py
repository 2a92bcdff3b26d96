"""Hosts for the multi-host suite: Linux network namespaces on one machine.

What is real and what is simulated:

* **Hosts** are network namespaces (``ip netns add``), one per host, each joined to the root
  namespace by its own veth pair. A host's processes see only its veth address and its own
  loopback; they reach PostgreSQL over the veth, never over the machine's loopback.
* **Addresses** come from 10.77.0.0/16, a private range kept for these test hosts only. A run
  takes one free /24 (10.77.N.0/24) and gives host *i* the /30 10.77.N.4i: the root side is
  .4i+1 and the host side .4i+2. All traffic stays between our namespaces and the root one.
* **PostgreSQL** listens on 127.0.0.1 only, so a ``socat`` forwarder in the root namespace
  listens on each host's root-side address (port 5432) and connects to 127.0.0.1:5432. The
  server itself is not reconfigured or restarted for this (except by the restart test).
* **Clocks**: each host runs its processes under libfaketime (Debian's ``faketime`` package,
  ``LD_PRELOAD`` of libfaketimeMT with ``FAKETIME=±N``), so its wall clock is off by its skew
  (-90 s, 0, +90 s). The monotonic clock moves by the same constant, which leaves timeouts
  alone (libfaketime 0.9.10's ``FAKETIME_DONT_FAKE_MONOTONIC=1`` breaks ``time.sleep`` with
  EINVAL, so it is not used). ``CINEMA_NOW`` is never set: the hosts disagree about "now" the
  way real hosts do, and the database's clock is the one that judges holds.
* **Data folders**: each host has its own ``--data-dir``; they share nothing but the database.
"""

from __future__ import annotations

import contextlib
import json
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

PG_PORT = 5432
PG_DATABASE = "test"
SUBNET = "10.77"
"""The private range kept for these test hosts (10.77.0.0/16); one /24 per run."""
SKEWS = (-90, 0, 90)
"""Seconds each host's wall clock is off (host A, B, C)."""
SAFETY_TIMEOUT = 180
"""A command that has not finished after this long is hung: a bug, not a measurement."""
CARD = "4242424242424242\n"


def missing_tools() -> str | None:
    """Why hosts cannot be built here, or None when they can."""
    if os.geteuid() != 0:
        return "network namespaces need root (ip netns add)"
    for tool in ("ip", "socat"):
        if shutil.which(tool) is None:
            return f"`{tool}` is not installed (apt-get install iproute2 socat)"
    if faketime_library() is None:
        return "libfaketime is not installed (apt-get install faketime)"
    probe = f"mhprobe{secrets.token_hex(3)}"
    made = subprocess.run(["ip", "netns", "add", probe], capture_output=True, text=True)
    if made.returncode != 0:
        return f"`ip netns add` fails here: {made.stderr.strip()}"
    subprocess.run(["ip", "netns", "del", probe], capture_output=True)
    return None


def faketime_library() -> str | None:
    found = sorted(Path("/usr/lib").glob("*/faketime/libfaketimeMT.so.1"))
    return str(found[0]) if found else None


def sh(*args: str) -> None:
    """Run a set-up command; a failure stops the test with the command's own words."""
    done = subprocess.run(args, capture_output=True, text=True)
    if done.returncode != 0:
        raise RuntimeError(f"{' '.join(args)}: {done.stderr.strip()}")


def free_subnet() -> int:
    """A third octet N such that no interface has an address in 10.77.N.0/24."""
    listing = subprocess.run(["ip", "-o", "-4", "addr"], capture_output=True, text=True).stdout
    for _ in range(64):
        octet = secrets.randbelow(254) + 1
        if f" {SUBNET}.{octet}." not in listing:
            return octet
    raise RuntimeError(f"no free /24 in {SUBNET}.0.0/16")


@dataclass
class Done:
    """A finished cinema process."""

    host: str
    args: Sequence[str]
    returncode: int
    stdout: str
    stderr: str

    def json(self) -> Any:
        return json.loads(self.stdout)

    def error(self) -> dict[str, Any]:
        """The ``{"error": ...}`` document of a failed ``--json`` command."""
        document: dict[str, Any] = json.loads(self.stderr.strip().splitlines()[-1])["error"]
        return document

    def ok(self) -> Done:
        assert self.returncode == 0, (
            f"host {self.host}: cinema {' '.join(self.args)} -> exit {self.returncode}\n"
            f"{self.stderr[:1500]}"
        )
        return self


@dataclass
class Host:
    """One machine of the chain: a namespace, a data folder, a clock skew, a database URL."""

    name: str
    namespace: str
    root_address: str
    address: str
    skew: int
    data_dir: Path = Path()
    storage_url: str = ""
    env: dict[str, str] = field(default_factory=dict)

    def command(self, args: Sequence[str]) -> list[str]:
        return [
            "ip", "netns", "exec", self.namespace,
            sys.executable, "-m", "cinema_cli",
            "--data-dir", str(self.data_dir), "--storage", self.storage_url,
            *args,
        ]  # fmt: skip

    def environment(self, extra: dict[str, str] | None = None) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if not k.startswith(("CINEMA_", "FAKETIME"))}
        library = faketime_library()
        assert library is not None
        env.update(
            LD_PRELOAD=library,
            FAKETIME=f"{self.skew:+d}",
            NO_COLOR="1",
            CINEMA_DB_CONNECT_TIMEOUT="3",
        )
        env.update(self.env)
        env.update(extra or {})
        return env

    def start(
        self, *args: str, env: dict[str, str] | None = None, stdin: str | None = None
    ) -> Running:
        process = subprocess.Popen(
            self.command(args),
            stdin=subprocess.PIPE if stdin is not None else subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env=self.environment(env),
            start_new_session=True,  # its own process group: a "host crash" kills all of it
        )
        if stdin is not None:
            assert process.stdin is not None
            process.stdin.write(stdin)  # a few bytes: fits the pipe, never blocks
            process.stdin.close()
            process.stdin = None  # so that communicate() does not touch it again
        return Running(self.name, list(args), process)

    def run(self, *args: str, env: dict[str, str] | None = None, stdin: str | None = None) -> Done:
        return self.start(*args, env=env, stdin=stdin).wait()

    def clock(self) -> float:
        """The host's idea of the time (epoch seconds), read inside its namespace."""
        done = subprocess.run(
            ["ip", "netns", "exec", self.namespace, sys.executable, "-c",
             "import time; print(time.time())"],
            capture_output=True, text=True, env=self.environment(), check=True,
        )  # fmt: skip
        return float(done.stdout)


@dataclass
class Running:
    """A cinema process still running on a host."""

    host: str
    args: list[str]
    process: subprocess.Popen[str]

    def wait(self) -> Done:
        stdout, stderr = self.process.communicate(timeout=SAFETY_TIMEOUT)
        return Done(self.host, self.args, self.process.returncode, stdout, stderr)

    def kill(self) -> Done:
        """SIGKILL the whole process group, as when the host loses power."""
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.process.pid, signal.SIGKILL)
        return self.wait()


def run_all(started: Sequence[Running]) -> list[Done]:
    return [running.wait() for running in started]


class Network:
    """The namespaces, veth pairs and forwarders of one run; :meth:`close` removes them all."""

    def __init__(self, count: int = 3) -> None:
        self.run_id = secrets.token_hex(2)
        self.hosts: list[Host] = []
        self.forwarders: list[subprocess.Popen[bytes]] = []
        octet = free_subnet()
        try:
            for i in range(count):
                self._add_host(i, octet)
        except BaseException:
            self.close()
            raise

    def _add_host(self, i: int, octet: int) -> Host:
        namespace = f"mh{self.run_id}{i}"
        outside, inside = f"{namespace}r", f"{namespace}n"
        root_address, address = f"{SUBNET}.{octet}.{4 * i + 1}", f"{SUBNET}.{octet}.{4 * i + 2}"
        host = Host(chr(ord("A") + i), namespace, root_address, address, SKEWS[i % len(SKEWS)])
        sh("ip", "netns", "add", namespace)
        self.hosts.append(host)  # from here on close() removes it, whatever fails next
        sh("ip", "link", "add", outside, "type", "veth", "peer", "name", inside, "netns", namespace)
        sh("ip", "addr", "add", f"{root_address}/30", "dev", outside)
        sh("ip", "link", "set", outside, "up")
        sh("ip", "-n", namespace, "addr", "add", f"{address}/30", "dev", inside)
        sh("ip", "-n", namespace, "link", "set", inside, "up")
        sh("ip", "-n", namespace, "link", "set", "lo", "up")
        self.forwarders.append(
            subprocess.Popen(
                ["socat", f"TCP-LISTEN:{PG_PORT},bind={root_address},reuseaddr,fork",
                 f"TCP:127.0.0.1:{PG_PORT}"],
                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True,
            )
        )  # fmt: skip
        _wait_listening(root_address, PG_PORT)
        return host

    def close(self) -> None:
        for forwarder in self.forwarders:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(forwarder.pid, signal.SIGKILL)  # socat and its forked children
            forwarder.wait()
        self.forwarders.clear()
        for host in self.hosts:
            pids = subprocess.run(
                ["ip", "netns", "pids", host.namespace], capture_output=True, text=True
            ).stdout.split()
            for pid in pids:  # only processes this suite started live in our namespaces
                with contextlib.suppress(ProcessLookupError):
                    os.kill(int(pid), signal.SIGKILL)
            # Deleting the namespace deletes its veth end, and with it the root-side end.
            subprocess.run(["ip", "netns", "del", host.namespace], capture_output=True)
            subprocess.run(["ip", "link", "del", f"{host.namespace}r"], capture_output=True)
        self.hosts.clear()


def _wait_listening(address: str, port: int) -> None:
    for _ in range(100):
        with socket.socket() as probe:
            if probe.connect_ex((address, port)) == 0:
                return
        time.sleep(0.05)
    raise RuntimeError(f"the forwarder on {address}:{port} does not listen")


@contextlib.contextmanager
def network(count: int = 3) -> Iterator[Network]:
    net = Network(count)
    try:
        yield net
    finally:
        net.close()
