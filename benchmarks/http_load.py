#!/usr/bin/env python3
"""Load on ``cinema serve``: requests per second and latency under concurrent clients.

    nox -s bench -- --http --scale M --backend sqlite
    nox -s bench -- --http --scale M --backend sqlite --data /work/main/benchmarks/out/M-sqlite
    python benchmarks/http_load.py --scale M --backend sqlite --clients 16 --workers 1 2 \
        --only "seat map" --spawn-each 0

For each ``--workers`` count it starts a real ``cinema serve`` on a free loopback port over a
copy of the benchmark dataset (``generate.py``), then ``wrk`` (Debian package ``wrk``: a C load
generator, so the clients cost the 2-core machine little) keeps 16 connections busy for a few
seconds per endpoint: the search of the design notes' ``searchMovies``, one showing's seat map,
and ``seatReservation`` holds (two seats of a fresh showing per hold, in sessions that rotate,
so a hold replaces that session's previous one and the seats never run out). Then the same holds
made the way a script without the server makes them: 16 workers, each spawning
``cinema reserve`` processes back to back.

Targets (issue "Book online"): seat map p99 under 50 ms at 16 clients on SQLite at scale M;
reserve throughput at least 5x that of 16 processes spawning ``cinema reserve``.
Writes ``benchmarks/out/http-<scale>-<backend>.json`` and prints a markdown table.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import socket
import statistics
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import orjson

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import generate  # noqa: E402  (the sibling script, not a package)


@dataclass
class Load:
    """One endpoint under load: every request's latency, and the wall time of the run."""

    name: str
    latencies_ms: list[float] = field(default_factory=list)
    errors: dict[int, int] = field(default_factory=dict)
    wall_s: float = 0.0
    count: int = 0
    """Requests made (wrk's count; or the latencies kept)."""
    percentiles: dict[int, float] = field(default_factory=dict)
    """Latency percentiles in ms as wrk reports them (50, 99)."""

    @property
    def rps(self) -> float:
        made = self.count or len(self.latencies_ms)
        return made / self.wall_s if self.wall_s else 0.0

    def percentile(self, fraction: float) -> float:
        if int(fraction * 100) in self.percentiles:
            return self.percentiles[int(fraction * 100)]
        ordered = sorted(self.latencies_ms)
        if not ordered:
            return float("nan")
        return ordered[min(len(ordered) - 1, int(round(fraction * (len(ordered) - 1))))]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def start_server(env: dict[str, str], workers: int, log: Path) -> tuple[subprocess.Popen[bytes], str]:
    import httpx

    port = free_port()
    with log.open("wb") as out:
        process = subprocess.Popen(
            [sys.executable, "-m", "cinema_cli", "serve", "--port", str(port),
             "--workers", str(workers)],
            stdout=out, stderr=subprocess.STDOUT, env=env,
        )
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"cinema serve exited early:\n{log.read_text()[-2000:]}")
        try:
            if httpx.get(base + "/readyz", timeout=2).status_code == 200:
                return process, base
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    process.kill()
    raise SystemExit("cinema serve did not become ready within 60 s")


RESERVE_SCRIPT = """
local counter = 0
local showings = {%s}
request = function()
  counter = counter + 1
  local body = string.format(
    '{"session_id": "load-%%d-%%d", "showing_id": "%%s", "count": 2}',
    math.random(1, 1000000), counter %% 16, showings[(counter %% #showings) + 1])
  return wrk.format("POST", "/v1/reservations", {["Content-Type"] = "application/json"}, body)
end
"""


def run_wrk(url: str, name: str, clients: int, seconds: int, script: Path | None) -> Load:
    """``wrk`` with ``clients`` connections for ``seconds``; latency percentiles from its
    ``--latency`` report, statuses >= 400 counted as errors."""
    command = ["wrk", "-t", "2", "-c", str(clients), "-d", f"{seconds}s", "--latency"]
    if script is not None:
        command += ["-s", str(script)]
    done = subprocess.run([*command, url], capture_output=True, text=True, check=True)
    load = Load(name)
    report = done.stdout
    unit = {"us": 0.001, "ms": 1.0, "s": 1000.0}
    for percent, value, scale in re.findall(r"^\s+(50|99)%\s+([\d.]+)(us|ms|s)\s*$", report, re.M):
        load.percentiles[int(percent)] = float(value) * unit[scale]
    requests = re.search(r"(\d+) requests in ([\d.]+)(s|m)", report)
    if requests is None:
        raise SystemExit(f"could not read wrk's report:\n{report}")
    load.count = int(requests.group(1))
    load.wall_s = float(requests.group(2)) * (60 if requests.group(3) == "m" else 1)
    non_2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", report)
    if non_2xx:
        load.errors[400] = int(non_2xx.group(1))
    return load


def spawned_reserves(env: dict[str, str], showings: list[str], workers: int, each: int) -> Load:
    """Holds made by spawning ``cinema reserve`` processes, ``workers`` at a time."""
    load = Load("reserve, spawned processes")
    lock = threading.Lock()

    def worker(number: int) -> None:
        for turn in range(each):
            showing = showings[(number * each + turn) % len(showings)]
            started = time.perf_counter()
            done = subprocess.run(
                [sys.executable, "-m", "cinema_cli", "reserve", showing, "--count", "2",
                 "--session", f"spawn-{number}", "--json"],
                env=env, capture_output=True,
            )
            elapsed = (time.perf_counter() - started) * 1000
            with lock:
                load.latencies_ms.append(elapsed)
                if done.returncode:
                    load.errors[done.returncode] = load.errors.get(done.returncode, 0) + 1

    started = time.perf_counter()
    threads = [threading.Thread(target=worker, args=(n,)) for n in range(workers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    load.wall_s = time.perf_counter() - started
    return load


def prepare(scale: str, backend: str, seed: int,
            data: Path | None = None) -> tuple[dict[str, Any], Path]:
    """Build (or reuse) the dataset and a work copy of it: a folder, or a schema (PostgreSQL).

    A dataset given with ``--data`` is only read, never rebuilt (not even when the storage
    code changed since it was built: it may be shared), and the work copy goes to this
    checkout's ``benchmarks/out``."""
    if data is None:
        out = HERE / "out" / f"{scale}-{backend}"
        manifest = generate.build(generate.SCALES[scale], backend, out, seed=seed,
                                  log=lambda m: print(m, file=sys.stderr))
        work = out / "http-work"
    else:
        out = data.resolve()
        manifest = orjson.loads((out / "manifest.json").read_bytes())
        print(f"{out}: used as it is (never rebuilt)", file=sys.stderr)
        work = HERE / "out" / f"http-work-{scale}-{backend}"
    if work.exists():
        shutil.rmtree(work)
    if backend == "postgresql":
        (work / "data").mkdir(parents=True)
        generate.pg_copy_schema(generate.pg_schema(out / "data"), generate.pg_schema(work / "data"))
    else:
        shutil.copytree(out / "data", work / "data")
    return manifest, work / "data"


def measure(args: argparse.Namespace) -> dict[str, Any]:
    manifest, data = prepare(args.scale, args.backend, args.seed, args.data)
    env = {
        **os.environ,
        "CINEMA_DATA_DIR": str(data),
        "CINEMA_STORAGE": generate.storage_url(args.backend, data),
        "CINEMA_NOW": manifest["now"],
        "NO_COLOR": "1",
    }
    search = manifest["search"]
    showing = manifest["seats"]["showing_id"]
    fresh: list[str] = manifest["fresh_showings"]

    script = data.parent / "reserve.lua"
    script.write_text(RESERVE_SCRIPT % ", ".join(f'"{showing_id}"' for showing_id in fresh))
    query = urlencode({"keyword": search["keyword"], "city": search["city_id"],
                       "date": search["date"]})
    results: dict[str, Any] = {"manifest": {k: manifest[k] for k in ("counts", "now")},
                               "clients": args.clients, "seconds": args.seconds, "runs": []}
    for workers in args.workers:
        log = data.parent / f"serve-{workers}.log"
        process, base = start_server(env, workers, log)
        try:
            for name, url, lua in (
                ("search", f"{base}/v1/movies?{query}", None),
                ("seat map", f"{base}/v1/showings/{showing}/seats", None),
                ("reserve", base, script),
            ):
                if args.only and name not in args.only:
                    continue
                load = run_wrk(url, name, args.clients, args.seconds, lua)
                results["runs"].append(_row(load, workers))
                print(f"  {name}, {workers} worker(s): {load.rps:.0f}/s, "
                      f"p50 {load.percentile(0.5):.1f} ms, p99 {load.percentile(0.99):.1f} ms",
                      file=sys.stderr)
        finally:
            process.terminate()
            process.wait(30)
    spawned = spawned_reserves(env, fresh, args.clients, args.spawn_each)
    results["spawned"] = _row(spawned, 0)
    return results


def _row(load: Load, workers: int) -> dict[str, Any]:
    return {
        "name": load.name, "workers": workers, "requests": load.count or len(load.latencies_ms),
        "rps": round(load.rps, 1), "p50_ms": round(load.percentile(0.5), 1),
        "p99_ms": round(load.percentile(0.99), 1),
        "mean_ms": round(statistics.fmean(load.latencies_ms), 1) if load.latencies_ms else None,
        "errors": {str(k): v for k, v in load.errors.items()},
    }


def table(results: dict[str, Any], scale: str, backend: str) -> str:
    counts = results["manifest"]["counts"]
    lines = [
        f"## cinema serve under load: scale {scale}, {backend}, {results['clients']} clients",
        "",
        f"{counts['showings']:,} showings, {counts['tickets']:,} tickets. "
        f"{os.cpu_count()} CPUs; clients and server share them.",
        "",
        "| endpoint | workers | requests | req/s | p50 ms | p99 ms | errors |",
        "|---|---:|---:|---:|---:|---:|---|",
    ]
    for run in [*results["runs"], results["spawned"]]:
        workers = run["workers"] or "–"
        lines.append(f"| {run['name']} | {workers} | {run['requests']} | {run['rps']} | "
                     f"{run['p50_ms']} | {run['p99_ms']} | {run['errors'] or '–'} |")
    seat_p99 = min((r["p99_ms"] for r in results["runs"] if r["name"] == "seat map"),
                   default=float("nan"))
    best_reserve = max((r["rps"] for r in results["runs"] if r["name"] == "reserve"),
                       default=float("nan"))
    spawned = results["spawned"]["rps"] or float("nan")
    lines += [
        "",
        f"- seat map p99 (best worker count): {seat_p99} ms — target < 50 ms"
        f" ({'pass' if seat_p99 < 50 else 'FAIL'})",
        f"- reserve: {best_reserve} req/s over HTTP vs {spawned} holds/s from spawned "
        f"processes = {best_reserve / spawned:.1f}x — target >= 5x"
        f" ({'pass' if best_reserve >= 5 * spawned else 'FAIL'})",
    ]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--scale", choices=sorted(generate.SCALES), default="M")
    parser.add_argument("--backend", choices=["json", "sqlite", "postgresql"], default="sqlite")
    parser.add_argument("--pg-url", default=generate.PG_URL)
    parser.add_argument("--clients", type=int, default=16)
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--seconds", type=int, default=10, help="seconds of load per endpoint")
    parser.add_argument("--spawn-each", type=int, default=5,
                        help="cinema reserve processes per spawning worker")
    parser.add_argument("--seed", type=int, default=generate.DEFAULT_SEED)
    parser.add_argument("--only", nargs="+", choices=["search", "seat map", "reserve"],
                        help="load these endpoints only (default: all three)")
    parser.add_argument("--data", type=Path,
                        help="a built dataset folder to copy from (read only, never rebuilt)")
    args = parser.parse_args(argv)
    generate.use_pg_url(args.pg_url)
    results = measure(args)
    report = table(results, args.scale, args.backend)
    print(report)
    out = HERE / "out" / f"http-{args.scale}-{args.backend}.json"
    out.write_bytes(orjson.dumps(results, option=orjson.OPT_INDENT_2))
    print(f"\nResults written to {out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
