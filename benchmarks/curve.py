"""The scaling figure: ``seats`` and ``reserve`` at 1k, 10k, 100k and 300k showings.

``python benchmarks/run.py --curve`` (or ``nox -s bench -- --curve``) builds (or reuses) the
four datasets on JSON and on SQLite, times both commands against the paired floor, and
writes ``docs/scaling.png`` (matplotlib, installed in the bench session only) and
``docs/scaling.md`` (the same figures as a table), plus
``benchmarks/out/results-curve.json``.
"""

from __future__ import annotations

import argparse
import copy
from pathlib import Path
from typing import Any

import orjson


import run

SIZES = {"1k": 1_000, "10k": 10_000, "100k": 100_000, "L": 300_000}
"""Dataset scale -> showings."""
BACKENDS = ("json", "sqlite")
COMMANDS = ("seats", "reserve")
DOCS = Path(__file__).resolve().parent.parent / "docs"


def _measure(args: argparse.Namespace, scale: str, backend: str) -> dict[str, Any]:
    options = copy.copy(args)
    options.scale, options.backend, options.data = scale, backend, None
    manifest, work, backend_ok, error = run.prepare(options)
    bench = run.Bench(options, manifest, work, backend_ok, error)
    floor = run.bench_floor(bench)
    bench.measure("seats", "cinema seats SHOWING",
                  lambda i: [*bench.cinema, "seats", manifest["seats"]["showing_id"]])
    run.bench_reserve(bench)
    again = run.bench_floor(bench)
    bench.figures.remove(again)
    floor.runs_ms.extend(again.runs_ms)
    row: dict[str, Any] = {"scale": scale, "showings": manifest["counts"]["showings"],
                           "tickets": manifest["counts"]["tickets"], "backend": backend,
                           "floor_ms": round(floor.median or 0, 1)}
    for figure in bench.figures:
        if figure.name in COMMANDS:
            ratio = figure.ratio(floor.median)
            row[figure.name] = {"median_ms": round(figure.median or 0, 1),
                                "ratio": round(ratio, 2) if ratio is not None else None,
                                "status": figure.status, "note": figure.note}
    return row


def table(rows: list[dict[str, Any]]) -> str:
    """The figures as markdown: one line per backend and size."""
    lines = ["| backend | showings | tickets | floor ms | seats ms | seats × floor | "
             "reserve ms | reserve × floor |", "|---|---:|---:|---:|---:|---:|---:|---:|"]
    for row in rows:
        cells = []
        for command in COMMANDS:
            figure = row.get(command) or {}
            if figure.get("ratio") is None:
                cells += ["–", figure.get("status", "–")]
            else:
                cells += [f"{figure['median_ms']:.0f}", f"{figure['ratio']:.2f}"]
        lines.append(f"| {row['backend']} | {row['showings']:,} | {row['tickets']:,} | "
                     f"{row['floor_ms']:.0f} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def plot(rows: list[dict[str, Any]], path: Path) -> None:
    """A small log-x plot of the ratio to the floor per command and backend."""
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib import pyplot

    figure, axes = pyplot.subplots(figsize=(6, 3.6), dpi=100)
    for backend in BACKENDS:
        for command, style in zip(COMMANDS, ("o-", "s--"), strict=True):
            points = [(r["showings"], r[command]["ratio"]) for r in rows
                      if r["backend"] == backend and (r.get(command) or {}).get("ratio")]
            if points:
                xs, ys = zip(*points, strict=True)
                axes.plot(xs, ys, style, label=f"{command} ({backend})")
    axes.axhline(3.0, color="grey", linewidth=0.8, linestyle=":")
    axes.axhline(3.5, color="grey", linewidth=0.8, linestyle=":")
    axes.set_xscale("log")
    axes.set_xlabel("showings in the store")
    axes.set_ylabel("× python -c 'import typer'")
    axes.set_ylim(bottom=0)
    axes.set_title("cinema seats / reserve as the programme grows")
    axes.legend(fontsize=8)
    figure.tight_layout()
    figure.savefig(path)
    pyplot.close(figure)


def main(args: argparse.Namespace) -> int:
    sizes = args.curve_sizes.split(",") if args.curve_sizes else list(SIZES)
    unknown = set(sizes) - set(SIZES)
    if unknown:
        raise SystemExit(f"unknown curve sizes: {', '.join(sorted(unknown))} "
                         f"(out of {', '.join(SIZES)})")
    rows = [_measure(args, scale, backend) for backend in BACKENDS for scale in sizes]
    results = {"commit": run._commit(), "runs": args.runs, "rows": rows}
    out = run.HERE / "out" / "results-curve.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_bytes(orjson.dumps(results, option=orjson.OPT_INDENT_2))
    markdown = table(rows)
    DOCS.mkdir(exist_ok=True)
    plot(rows, DOCS / "scaling.png")
    (DOCS / "scaling.md").write_text(
        "# How seats and reserve scale with the programme\n\n"
        f"Written by `nox -s bench -- --curve` (commit {results['commit']}, {args.runs} runs "
        "per command after a warm-up, each paired with the floor `python -c \"import typer\"`; "
        f"datasets by `benchmarks/generate.py`, about 3.3 tickets sold per showing).\n\n"
        "![seats and reserve against the number of showings](scaling.png)\n\n"
        f"{markdown}\n\n"
        "Each point is the median of a few runs over the median of the floors paired with "
        "them; a floor far from its quiet value (about 55 ms on the development machine) "
        "means the machine was shared, and that point can be off by ±1.\n"
    )
    print(markdown)
    print(f"\nWritten: {DOCS / 'scaling.png'}, {DOCS / 'scaling.md'}, {out}")
    return 0



