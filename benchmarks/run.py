#!/usr/bin/env python3
"""Time whole ``cinema`` processes against the targets of issue 7.

    python benchmarks/run.py --scale M --backend json
    nox -s bench -- --scale L --backend sqlite
    nox -s bench -- --scale M --backend postgresql   # --pg-url postgresql://127.0.0.1:5432/test

It builds (or reuses) the dataset with ``generate.py``, copies the loaded store
to a scratch folder (so every run starts from the same data), then times each
command as a user feels it: a fresh process, start-up included, several runs,
median and spread. Every figure is also given as a ratio to the floor, ``python
-c "import typer"`` timed in the same run, and compared with its target. Peers on
the same data: stock TinyDB (seat read and seat hold) and ``sqlite-utils insert``
(the 100,000-row import).

Commands that do not exist yet are reported as "not available", never a crash,
so the runner works on whatever is on main. Output: a markdown table on stdout
and ``benchmarks/out/results-<scale>-<backend>.json`` for comparison between
commits (``--compare OLD.json`` prints the change per command).
"""

from __future__ import annotations

import argparse
import os
import platform
import shutil
import statistics
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import orjson

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import generate  # noqa: E402  (the sibling script, not a package)
import memory  # noqa: E402

PYTHON = sys.executable
PEER = HERE / "peers" / "tinydb_peer.py"
CARD = "4242424242424242"


# --- measuring ------------------------------------------------------------------------------------
@dataclass
class Figure:
    """One row of the table."""

    name: str
    label: str
    status: str = "ok"
    """``ok``, ``not available`` or ``failed``."""
    runs_ms: list[float] = field(default_factory=list)
    note: str = ""
    target: str = ""
    value: float | None = None
    """The number compared with the target (a ratio), when there is one."""
    passed: bool | None = None
    extra: dict[str, Any] = field(default_factory=dict)
    floor_runs_ms: list[float] = field(default_factory=list)
    """The floor, timed right before each run of this command (a busy machine slows both)."""
    ratio_shown: bool = True

    @property
    def median(self) -> float | None:
        return statistics.median(self.runs_ms) if self.runs_ms else None

    def ratio(self, floor: float | None) -> float | None:
        """Median over the floor: the lower of the floor paired with this command's runs and
        the run's overall floor. Pairing protects against load that slows both; taking the
        lower keeps it from flattering a writer whose previous run's disk flush slows the
        floor timed right after it (seen with SQLite: paired floors of 90 ms against 60)."""
        median = self.median
        candidates = [f for f in (floor, statistics.median(self.floor_runs_ms)
                                  if self.floor_runs_ms else None) if f]
        if median is None or not candidates or not self.ratio_shown:
            return None
        return median / min(candidates)

    @classmethod
    def from_json(cls, row: dict[str, Any]) -> Figure:
        """Rebuild a figure from a results file (``--report``)."""
        known = {"name", "label", "status", "runs_ms", "median_ms", "min_ms", "max_ms",
                 "ratio_to_floor", "paired_floor_ms", "target", "value", "passed", "note"}
        figure = cls(row["name"], row["label"], status=row["status"],
                     runs_ms=list(row["runs_ms"]), note=row["note"],
                     floor_runs_ms=list(row.get("paired_floor_ms", [])),
                     extra={k: v for k, v in row.items() if k not in known})
        if row["name"] == "contention" or row["name"].startswith("rss_"):
            figure.ratio_shown = False
            figure.target, figure.value, figure.passed = row["target"], row["value"], row["passed"]
        return figure

    def as_json(self, floor: float | None) -> dict[str, Any]:
        median = self.median
        return {
            "name": self.name, "label": self.label, "status": self.status,
            "runs_ms": [round(r, 1) for r in self.runs_ms],
            "median_ms": round(median, 1) if median is not None else None,
            "min_ms": round(min(self.runs_ms), 1) if self.runs_ms else None,
            "max_ms": round(max(self.runs_ms), 1) if self.runs_ms else None,
            "ratio_to_floor": round(r, 2) if (r := self.ratio(floor)) is not None else None,
            "paired_floor_ms": [round(r, 1) for r in self.floor_runs_ms],
            "target": self.target, "value": self.value, "passed": self.passed,
            "note": self.note, **self.extra,
        }


class Bench:
    """Runs and records; knows the environment every ``cinema`` process gets."""

    def __init__(self, args: argparse.Namespace, manifest: dict[str, Any], work: Path,
                 backend_ok: bool, backend_error: str) -> None:
        self.args = args
        self.manifest = manifest
        self.work = work
        self.backend_ok = backend_ok
        self.backend_error = backend_error
        self.cinema = generate.cinema_command()
        self.figures: list[Figure] = []
        self.env = dict(os.environ)
        self.env.update({
            "CINEMA_NOW": manifest["now"],
            "NO_COLOR": "1",
            "COLUMNS": "120",
            "CINEMA_LOCK_TIMEOUT": "60",
        })
        self.env.pop("CINEMA_DEBUG", None)
        if backend_ok:
            self.env.update(self.store_env(work / "data"))
        self._available: dict[tuple[str, ...], bool] = {}

    def store_env(self, data_dir: Path) -> dict[str, str]:
        return {"CINEMA_DATA_DIR": str(data_dir),
                "CINEMA_STORAGE": generate.storage_url(self.args.backend, data_dir)}

    # -- helpers -----------------------------------------------------------------------------------
    def available(self, *words: str) -> bool:
        """Does ``cinema WORDS --help`` exist? (Typer exits 2 on an unknown command.)"""
        if words not in self._available:
            done = subprocess.run([*self.cinema, *words, "--help"], env=self.env,
                                  capture_output=True, check=False)
            self._available[words] = done.returncode == 0
        return self._available[words]

    def cinema_run(self, argv: list[str], env: dict[str, str] | None = None,
                   timeout: float = 600) -> subprocess.CompletedProcess[bytes]:
        return subprocess.run([*self.cinema, *argv], env=env or self.env, capture_output=True,
                              check=False, timeout=timeout)

    def time_process(self, argv: list[str], env: dict[str, str] | None = None,
                     timeout: float = 900) -> tuple[float, int, bytes]:
        started = time.perf_counter()
        done = subprocess.run(argv, env=env or self.env, stdout=subprocess.DEVNULL,
                              stderr=subprocess.PIPE, check=False, timeout=timeout)
        elapsed = (time.perf_counter() - started) * 1000
        return elapsed, done.returncode, done.stderr

    def measure(self, name: str, label: str, make: Callable[[int], list[str]], *,
                runs: int | None = None, warmup: int = 1,
                setup: Callable[[int], dict[str, str] | None] | None = None,
                cleanup: Callable[[int], None] | None = None,
                expect: tuple[int, ...] = (0,), paired: bool = True,
                after: Callable[[int], None] | None = None) -> Figure:
        """Time ``make(i)`` for warm-up runs then ``runs`` runs; ``setup(i)`` (untimed)
        may return the environment for run ``i``. With ``paired``, the floor is timed
        right before each timed run, so that load from elsewhere hits both alike."""
        figure = Figure(name, label)
        runs = runs or self.args.runs
        print(f"  {label} ...", file=sys.stderr, flush=True)
        for i in range(warmup + runs):
            env = setup(i) if setup else None
            if paired and i >= warmup:
                figure.floor_runs_ms.append(self.time_process(FLOOR)[0])
            try:
                elapsed, code, err = self.time_process(make(i), env)
            except subprocess.TimeoutExpired:
                figure.status, figure.note = "failed", "timed out"
                break
            finally:
                if cleanup:
                    cleanup(i)
            if code not in expect:
                figure.status = "failed"
                figure.note = f"exit {code}: {_last_line(err)}"
                break
            if i >= warmup:
                figure.runs_ms.append(elapsed)
                if after:
                    after(i)
        if figure.status != "ok":
            figure.runs_ms.clear()
        self.figures.append(figure)
        return figure

    def missing(self, name: str, label: str, why: str) -> Figure:
        figure = Figure(name, label, status="not available", note=why)
        self.figures.append(figure)
        return figure

    def needs(self, name: str, label: str, *words: str) -> bool:
        """Record "not available" unless the store loaded and ``cinema WORDS`` exists."""
        if not self.backend_ok:
            self.missing(name, label, f"no {self.args.backend} store: {self.backend_error}")
            return False
        if words and not self.available(*words):
            self.missing(name, label, f"`cinema {' '.join(words)}` is not on this commit")
            return False
        return True

    def fresh_showing(self) -> str:
        """A showing nobody has reserved yet in this run (the manifest keeps 80 free)."""
        pool: list[str] = self.manifest["fresh_showings"]
        if not pool:
            raise RuntimeError("out of fresh showings; lower --runs")
        return pool.pop()


def _last_line(stderr: bytes) -> str:
    lines = [line for line in stderr.decode("utf-8", "replace").splitlines() if line.strip()]
    return lines[-1][:200] if lines else "(no message)"


# --- the benchmarks -------------------------------------------------------------------------------
FLOOR = [PYTHON, "-c", "import typer"]


def bench_floor(b: Bench) -> Figure:
    return b.measure("floor", 'python -c "import typer" (floor)', lambda i: FLOOR, warmup=2,
                     paired=False)


def bench_version(b: Bench) -> None:
    b.measure("version", "cinema --version", lambda i: [*b.cinema, "--version"])


def _first_working(b: Bench, candidates: list[list[str]]) -> list[str] | None:
    """The first argument list the command accepts (some options take an id or a name)."""
    for argv in candidates:
        if b.cinema_run(argv).returncode == 0:
            return argv
    return None


def bench_browse(b: Bench) -> None:
    m = b.manifest
    s = m["search"]
    if b.needs("search", "cinema search KEYWORD --city --date", "search"):
        argv = _first_working(b, [
            ["search", s["keyword"], "--city", city, "--date", s["date"]]
            for city in (s["city"], s["city_id"])
        ])
        if argv is None:
            b.missing("search", "cinema search KEYWORD --city --date", "every form failed")
        else:
            b.measure("search", "cinema search KEYWORD --city --date", lambda i: [*b.cinema, *argv])
    if b.needs("showtimes", "cinema showtimes MOVIE --city --date", "showtimes"):
        argv = _first_working(b, [
            ["showtimes", m["showtimes"]["movie_id"], "--city", city, "--date", s["date"]]
            for city in (s["city"], s["city_id"])
        ])
        if argv is None:
            b.missing("showtimes", "cinema showtimes MOVIE --city --date", "every form failed")
        else:
            b.measure("showtimes", "cinema showtimes MOVIE --city --date",
                      lambda i: [*b.cinema, *argv])
    if b.needs("seats", "cinema seats SHOWING", "seats"):
        b.measure("seats", "cinema seats SHOWING", lambda i: [*b.cinema, "seats",
                                                               m["seats"]["showing_id"]])


def bench_reserve(b: Bench) -> None:
    if not b.needs("reserve", "cinema reserve SHOWING --count 2", "reserve"):
        return
    showings = [b.fresh_showing() for _ in range(b.args.runs + 1)]
    b.measure("reserve", "cinema reserve SHOWING --count 2",
              lambda i: [*b.cinema, "reserve", showings[i], "--count", "2",
                         "--session", f"bench-reserve-{i}"])


def bench_buy(b: Bench) -> None:
    if not b.needs("buy", "cinema buy (PDF, PNG, SVG, .eml)", "buy"):
        return
    held: dict[int, list[str]] = {}

    def setup(i: int) -> None:
        session = f"bench-buy-{i}"
        done = b.cinema_run(["reserve", b.fresh_showing(), "--count", "2", "--session", session,
                             "--json"])
        if done.returncode != 0:
            raise RuntimeError(f"reserve for buy failed: {_last_line(done.stderr)}")
        reservation = orjson.loads(done.stdout)["reservation_id"]
        held[i] = ["buy", reservation, "--session", session, "--name", "Bench Buyer",
                   "--email", "buyer@example.com", "--card", CARD]
        return None

    try:
        b.measure("buy", "cinema buy (PDF, PNG, SVG, .eml)", lambda i: [*b.cinema, *held[i]],
                  setup=setup)
    except RuntimeError as error:  # the untimed reserve before a buy failed
        b.missing("buy", "cinema buy (PDF, PNG, SVG, .eml)", str(error))


def _sqlite_utils() -> str | None:
    return shutil.which("sqlite-utils", path=f"{Path(PYTHON).parent}{os.pathsep}"
                        f"{os.environ.get('PATH', '')}")


def bench_import(b: Bench) -> None:
    """Our import, each run followed by the peer's (sqlite-utils insert of the same CSV),
    so that both meet the same load on a shared machine."""
    rows = b.manifest["counts"]["import_rows"]
    label = f"cinema import showtimes ({rows:,} rows)"
    if not b.needs("import", label, "import", "showtimes"):
        return
    feed = b.work.parent / "feed" / "import.csv"
    scratch = b.work / "import"
    tool = _sqlite_utils()
    database = b.work / "peer" / "sqlite-utils.db"
    peer = Figure("sqlite_utils_insert", f"sqlite-utils insert ({rows:,} rows, peer)")

    def setup(i: int) -> dict[str, str]:
        # Each run imports into its own copy of the loaded store: the feed is all new showings.
        if scratch.exists():
            shutil.rmtree(scratch)
        shutil.copytree(b.work.parent / "data", scratch)
        if b.args.backend == "postgresql":
            generate.pg_copy_schema(generate.pg_schema(b.work.parent / "data"),
                                    generate.pg_schema(scratch))
        return {**b.env, **b.store_env(scratch)}

    def peer_run(i: int) -> None:
        if tool is None or peer.status != "ok":
            return
        database.unlink(missing_ok=True)
        elapsed, code, err = b.time_process(
            [tool, "insert", str(database), "showtimes", str(feed), "--csv"])
        database.unlink(missing_ok=True)
        if code != 0:
            peer.status, peer.note = "failed", f"exit {code}: {_last_line(err)}"
            peer.runs_ms.clear()
        else:
            peer.runs_ms.append(elapsed)

    b.measure("import", label, lambda i: [*b.cinema, "import", "showtimes", str(feed)],
              runs=b.args.import_runs, warmup=0, setup=setup,
              cleanup=lambda i: shutil.rmtree(scratch, ignore_errors=True), after=peer_run)
    if tool is not None:
        b.figures.append(peer)


def _reserve_loop(b: Bench, showing: str, worker: int, count: int,
                  results: Outcome, lock: threading.Lock) -> None:
    for n in range(count):
        done = b.cinema_run(["reserve", showing, "--count", "1", "--session",
                             f"bench-c{worker}-{n}", "--json"])
        seats: list[str] = []
        why = ""
        if done.returncode == 0:
            try:
                seats = list(orjson.loads(done.stdout)["seats"])
            except (orjson.JSONDecodeError, KeyError, TypeError):
                seats = []
        else:
            try:
                why = str(orjson.loads(done.stderr)["error"]["code"])
            except (orjson.JSONDecodeError, KeyError, TypeError):
                why = _last_line(done.stderr)[:80]
        with lock:
            results.append((done.returncode, seats, why))


Outcome = list[tuple[int, list[str], str]]
"""Per reservation attempt: exit code, the seats it got, and the error code when it failed."""


def _contend(b: Bench, showing: str, workers: int, each: int) -> tuple[float, Outcome]:
    results: Outcome = []
    lock = threading.Lock()
    threads = [threading.Thread(target=_reserve_loop, args=(b, showing, w, each, results, lock))
               for w in range(workers)]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return time.perf_counter() - started, results


def _claims_on(b: Bench, showing: str) -> list[str] | None:
    """Seat ids of every live claim on the showing, read back after the run."""
    if b.available("seats"):
        done = b.cinema_run(["seats", showing, "--json"])
        if done.returncode == 0:
            seats = orjson.loads(done.stdout)["seats"]
            return [s["id"] for s in seats if s.get("status") in ("held", "sold")]
    return None


def bench_contention(b: Bench) -> None:
    workers, each = b.args.contention_workers, b.args.contention_each
    label = f"contention: {workers} processes x {each} reserve, one showing"
    if not b.needs("contention", label, "reserve"):
        return
    single_showing, shared_showing = b.manifest["contention_showings"]
    print(f"  {label} ...", file=sys.stderr, flush=True)
    alone_s, _ = _contend(b, single_showing, 1, each)
    together_s, together = _contend(b, shared_showing, workers, each)
    rate1 = each / alone_s
    rate16 = workers * each / together_s
    won = [seats for code, seats, _ in together if code == 0]
    codes: dict[str, int] = {}
    errors: dict[str, int] = {}
    for code, _, why in together:
        codes[str(code)] = codes.get(str(code), 0) + 1
        if why:
            errors[why] = errors.get(why, 0) + 1
    handed_out = [seat for seats in won for seat in seats]
    doubles = len(handed_out) - len(set(handed_out))
    stored = _claims_on(b, shared_showing)
    if stored is not None:
        doubles += len(stored) - len(set(stored))
        lost = len(set(handed_out) - set(stored))
    else:
        lost = 0
    figure = Figure("contention", label, runs_ms=[together_s * 1000], ratio_shown=False)
    figure.extra = {
        "single_process_rate_per_s": round(rate1, 2),
        "rate_per_s": round(rate16, 2),
        "reservations_won": len(won),
        "exit_codes": codes,
        "errors": errors,
        "double_sales": doubles,
        "acknowledged_but_missing": lost,
        "checked_in_store": stored is not None,
    }
    figure.value = round(rate16 / rate1, 2)
    figure.target = "throughput >= 0.8x single process, 0 double sales"
    figure.passed = figure.value >= 0.8 and doubles == 0 and lost == 0
    figure.note = (f"{rate16:.1f}/s vs {rate1:.1f}/s alone; {len(won)} won; "
                   f"double sales {doubles}; exit codes {codes}"
                   + (f"; errors {errors}" if errors else ""))
    b.figures.append(figure)


def bench_memory(b: Bench) -> None:
    """Peak RSS of one more run of search, seats and reserve (target: under 100 MB)."""
    m = b.manifest
    s = m["search"]
    commands = {
        "search": ["search", s["keyword"], "--city", s["city_id"], "--date", s["date"]],
        "seats": ["seats", m["seats"]["showing_id"]],
        "reserve": ["reserve", b.fresh_showing(), "--count", "2", "--session", "bench-rss"],
    }
    for name, argv in commands.items():
        label = f"peak RSS: cinema {name}"
        if not b.needs(f"rss_{name}", label, name):
            continue
        megabytes, why = memory.peak_rss_mb([*b.cinema, *argv], b.env)
        if megabytes is None:
            b.missing(f"rss_{name}", label, why)
            continue
        figure = Figure(f"rss_{name}", label, ratio_shown=False, value=round(megabytes, 1),
                        target=f"< {memory.LIMIT_MB:.0f} MB", passed=megabytes < memory.LIMIT_MB,
                        extra={"unit": "MB"})
        b.figures.append(figure)


def bench_peers(b: Bench) -> None:
    peer_file = b.work / "peer" / "tinydb.json"
    if not peer_file.exists():
        b.missing("tinydb_seats", "stock TinyDB: read one showing's seats (peer)",
                  "the TinyDB peer is built at S and M only")
        b.missing("tinydb_hold", "stock TinyDB: hold one seat (peer)",
                  "the TinyDB peer is built at S and M only")
    else:
        showing = b.manifest["seats"]["showing_id"]
        b.measure("tinydb_seats", "stock TinyDB: read one showing's seats (peer)",
                  lambda i: [PYTHON, str(PEER), "seats", str(peer_file), showing])
        hold_showing = b.manifest["contention_showings"][0]
        b.measure("tinydb_hold", "stock TinyDB: hold one seat (peer)",
                  lambda i: [PYTHON, str(PEER), "hold", str(peer_file), hold_showing,
                             f"D{i + 1}", f"peer-{i}"])
    if any(f.name == "sqlite_utils_insert" for f in b.figures):
        return  # measured alongside our import
    tool = _sqlite_utils()
    rows = b.manifest["counts"]["import_rows"]
    label = f"sqlite-utils insert ({rows:,} rows, peer)"
    if tool is None:
        b.missing("sqlite_utils_insert", label, "sqlite-utils is not installed (nox -s bench "
                  "installs it)")
        return
    database = b.work / "peer" / "sqlite-utils.db"
    feed = b.work.parent / "feed" / "import.csv"
    b.measure("sqlite_utils_insert", label,
              lambda i: [tool, "insert", str(database), "showtimes", str(feed), "--csv"],
              runs=b.args.import_runs, warmup=0,
              setup=lambda i: database.unlink(missing_ok=True),
              cleanup=lambda i: database.unlink(missing_ok=True))


# --- judging --------------------------------------------------------------------------------------
FLOOR_TARGETS = {"version": 1.3, "search": 3.0, "showtimes": 3.0, "seats": 3.0, "reserve": 3.5,
                 "buy": 4.5}
PEER_TARGETS = {"seats": ("tinydb_seats", 0.75), "reserve": ("tinydb_hold", 0.35),
                "import": ("sqlite_utils_insert", 1.0)}


def judge(figures: list[Figure]) -> list[Figure]:
    """Attach targets; returns extra comparison rows (ours against a peer)."""
    by_name = {f.name: f for f in figures}
    floor = by_name["floor"].median
    for name, limit in FLOOR_TARGETS.items():
        figure = by_name.get(name)
        ratio = figure.ratio(floor) if figure else None
        if figure is None or ratio is None:
            continue
        figure.target = f"<= {limit}x floor"
        figure.value = round(ratio, 2)
        figure.passed = figure.value <= limit
    comparisons = []
    for name, (peer_name, limit) in PEER_TARGETS.items():
        ours, peer = by_name.get(name), by_name.get(peer_name)
        row = Figure(f"{name}_vs_{peer_name}", f"{name} / {peer_name}")
        row.target = f"<= {limit}x peer"
        if ours is None or peer is None or ours.median is None or peer.median is None:
            row.status = "not available"
            row.note = (peer.note if peer is not None and peer.status != "ok"
                        else "needs both figures")
        else:
            row.value = round(ours.median / peer.median, 2)
            row.passed = row.value <= limit
        comparisons.append(row)
    return comparisons


def markdown(figures: list[Figure], floor: float | None) -> str:
    lines = ["| command | median ms | spread ms (min–max) | × floor | target | result |",
             "|---|---:|---:|---:|---|---|"]
    for f in figures:
        median = f.median
        if f.status != "ok":
            result = f"{f.status}" + (f" ({f.note})" if f.note else "")
            lines.append(f"| {f.label} | – | – | – | {f.target or '–'} | {result} |")
            continue
        if median is None:  # a comparison row
            unit = f.extra.get("unit", "x")
            ratio_cell = f"{f.value}" if f.value is not None else "–"
            verdict = "pass" if f.passed else "FAIL"
            lines.append(f"| {f.label} | – | – | – | {f.target} | {verdict} ({ratio_cell}"
                         f"{' ' if unit != 'x' else ''}{unit}) |")
            continue
        spread = f"{min(f.runs_ms):.0f}–{max(f.runs_ms):.0f}" if len(f.runs_ms) > 1 else "–"
        ratio_value = f.ratio(floor)
        ratio = f"{ratio_value:.2f}" if ratio_value is not None else "–"
        if f.passed is None:
            verdict = f.note or ""
        else:
            verdict = ("pass" if f.passed else "FAIL") + (f" ({f.note})" if f.note else "")
        lines.append(f"| {f.label} | {median:.0f} | {spread} | {ratio} | {f.target or '–'} | "
                     f"{verdict} |")
    return "\n".join(lines)


def compare(old_path: Path, new: dict[str, Any]) -> str:
    old = orjson.loads(old_path.read_bytes())
    before = {r["name"]: r for r in old["results"]}
    lines = [f"Compared with {old_path} ({old.get('commit', '?')}):", "",
             "| command | before × floor | now × floor | change |", "|---|---:|---:|---:|"]
    for row in new["results"]:
        was = before.get(row["name"], {}).get("ratio_to_floor")
        now = row.get("ratio_to_floor")
        if was and now:
            lines.append(f"| {row['label']} | {was} | {now} | {100 * (now - was) / was:+.0f}% |")
    return "\n".join(lines)


def report(path: Path) -> int:
    """Re-judge and print the table of a results file with the current rules."""
    results = orjson.loads(path.read_bytes())
    figures = [Figure.from_json(row) for row in results["results"] if "_vs_" not in row["name"]]
    table_rows = figures + judge(figures)
    floor = results["floor_ms"]
    print(f"## cinema-cli benchmark: scale {results['scale']}, {results['backend']} backend "
          f"({results['commit']}, {results['cpus']} CPUs, Python {results['python']}), "
          f"from {path}\n")
    print(markdown(table_rows, floor))
    return 0


# --- main -----------------------------------------------------------------------------------------
def _commit() -> str:
    try:
        rev = subprocess.run(["git", "-C", str(HERE), "rev-parse", "--short", "HEAD"],
                             capture_output=True, text=True, check=True).stdout.strip()
        dirty = subprocess.run(["git", "-C", str(HERE), "status", "--porcelain", "--", "src"],
                               capture_output=True, text=True, check=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "unknown"
    return rev + ("+dirty" if dirty else "")


def prepare(args: argparse.Namespace) -> tuple[dict[str, Any], Path, bool, str]:
    """Build or reuse the scale; copy the pristine store and peer file to ``work/``."""
    out = args.data or HERE / "out" / f"{args.scale}-{args.backend}"
    backend_ok, error = True, ""
    try:
        manifest = generate.build(generate.SCALES[args.scale], args.backend, out, seed=args.seed,
                                  force=args.rebuild, log=lambda m: print(m, file=sys.stderr))
    except Exception as failure:  # a backend that has not landed yet: measure what we can
        backend_ok, error = False, f"{type(failure).__name__}: {failure}"[:300]
        print(f"  could not load the {args.backend} store: {error}", file=sys.stderr)
        manifest = generate.build(generate.SCALES[args.scale], "none", out.with_name(
            f"{args.scale}-none"), seed=args.seed, log=lambda m: print(m, file=sys.stderr))
        out = out.with_name(f"{args.scale}-none")
    work = out / "work"
    if work.exists():
        shutil.rmtree(work)
    work.mkdir()
    if backend_ok:
        shutil.copytree(out / "data", work / "data")
        if args.backend == "postgresql":
            generate.pg_copy_schema(generate.pg_schema(out / "data"),
                                    generate.pg_schema(work / "data"))
    if (out / "peer").exists():
        shutil.copytree(out / "peer", work / "peer")
    else:
        (work / "peer").mkdir()
    return manifest, work, backend_ok, error


STEPS: dict[str, Callable[[Bench], Any]] = {
    "version": bench_version,
    "browse": bench_browse,
    "reserve": bench_reserve,
    "buy": bench_buy,
    "import": bench_import,
    "contention": bench_contention,
    "memory": bench_memory,
    "peers": bench_peers,
}


def main(argv: list[str] | None = None) -> int:
    arguments = sys.argv[1:] if argv is None else argv
    if "--http" in arguments:  # cinema serve under load: benchmarks/http_load.py
        import http_load

        return http_load.main([a for a in arguments if a != "--http"])
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--scale", choices=sorted(generate.SCALES), default="M")
    parser.add_argument("--backend", choices=["json", "sqlite", "postgresql"], default="json")
    parser.add_argument("--pg-url", default=generate.PG_URL,
                        help=f"PostgreSQL server for --backend postgresql (default "
                             f"{generate.PG_URL}); each store gets a dedicated schema")
    parser.add_argument("--runs", type=int, default=7, help="timed runs per command (default 7)")
    parser.add_argument("--import-runs", type=int, default=3)
    parser.add_argument("--contention-workers", type=int, default=16)
    parser.add_argument("--contention-each", type=int, default=20)
    parser.add_argument("--only", help=f"comma-separated steps out of {', '.join(STEPS)}")
    parser.add_argument("--seed", type=int, default=generate.DEFAULT_SEED)
    parser.add_argument("--data", type=Path,
                        help="dataset folder (default benchmarks/out/<scale>-<backend>)")
    parser.add_argument("--rebuild", action="store_true", help="rebuild the dataset")
    parser.add_argument("--results", type=Path, help="where to write the JSON results")
    parser.add_argument("--compare", type=Path, help="an earlier results JSON to compare with")
    parser.add_argument("--report", type=Path,
                        help="print the table of an earlier results JSON (no measuring)")
    parser.add_argument("--curve", action="store_true",
                        help="seats and reserve at 1k, 10k, 100k and 300k showings on JSON and "
                        "SQLite: docs/scaling.png and docs/scaling.md")
    parser.add_argument("--curve-sizes", help="some sizes of the curve only, e.g. 1k,10k")
    parser.add_argument("--http", action="store_true",
                        help="cinema serve under 16 clients instead (benchmarks/http_load.py; "
                        "needs wrk)")
    args = parser.parse_args(argv)
    generate.use_pg_url(args.pg_url)
    if args.report:
        return report(args.report)
    if args.curve:
        import curve

        return curve.main(args)
    if args.runs + 1 > 38:
        parser.error("--runs at most 37 (the dataset keeps 80 fresh showings for reserve and buy)")

    manifest, work, backend_ok, error = prepare(args)
    bench = Bench(args, manifest, work, backend_ok, error)
    steps = args.only.split(",") if args.only else list(STEPS)
    unknown = set(steps) - set(STEPS)
    if unknown:
        parser.error(f"unknown steps: {', '.join(sorted(unknown))}")
    floor_figure = bench_floor(bench)
    floor_start = floor_figure.median
    for step in steps:
        try:
            STEPS[step](bench)
        except Exception as failure:  # one broken step must not lose the others' figures
            bench.missing(step, step, f"failed: {type(failure).__name__}: {failure}"[:300])
    # The floor once more at the end (the machine may have got busier or quieter meanwhile);
    # every ratio uses the median of both sets of runs.
    floor_again = bench_floor(bench)
    bench.figures.remove(floor_again)
    floor_figure.runs_ms.extend(floor_again.runs_ms)
    floor = floor_figure.median
    comparisons = judge(bench.figures)
    table_rows = bench.figures + comparisons

    results = {
        "scale": args.scale, "backend": args.backend, "commit": _commit(),
        "when": datetime.now(UTC).isoformat(timespec="seconds"),
        "python": platform.python_version(), "machine": platform.machine(),
        "cpus": os.cpu_count(), "runs": args.runs,
        "floor_ms": round(floor, 1) if floor else None,
        "floor_start_ms": round(floor_start, 1) if floor_start else None,
        "floor_end_ms": round(floor_again.median, 1) if floor_again.median else None,
        "dataset": manifest["counts"], "backend_loaded": backend_ok, "backend_error": error,
        "results": [f.as_json(floor) for f in table_rows],
        "all_targets_met": all(f.passed for f in table_rows if f.passed is not None)
        and not any(f.status != "ok" for f in table_rows),
    }
    path = args.results or HERE / "out" / f"results-{args.scale}-{args.backend}.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(orjson.dumps(results, option=orjson.OPT_INDENT_2))

    print(f"## cinema-cli benchmark: scale {args.scale}, {args.backend} backend "
          f"({results['commit']}, {results['cpus']} CPUs, Python {results['python']})\n")
    counts = manifest["counts"]
    print(f"Dataset: {counts['theaters']} theaters, {counts['rooms']} rooms, "
          f"{counts['showings']:,} showings, {counts['tickets']:,} tickets sold. "
          f"Floor: {floor or 0:.0f} ms ({floor_start or 0:.0f} ms at the start, "
          f"{floor_again.median or 0:.0f} ms at the end). "
          f"{args.runs} runs per command after a warm-up.\n")
    print(markdown(table_rows, floor))
    print(f"\nResults written to {path}")
    if args.compare:
        print("\n" + compare(args.compare, results))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
