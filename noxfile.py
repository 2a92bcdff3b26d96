"""Developer tasks: `nox` runs tests and lint; `nox -s typecheck`, `nox -s bench -- --scale M`."""

from __future__ import annotations

import nox

nox.options.sessions = ["tests", "lint", "typecheck"]
nox.options.reuse_existing_virtualenvs = True


@nox.session
def tests(session: nox.Session) -> None:
    """Unit, contract (fake/json/sqlite/postgresql), CLI, subprocess and torture tests."""
    session.install("-e", ".[test,scan]")
    session.run("pytest", *session.posargs)


@nox.session
def lint(session: nox.Session) -> None:
    """ruff over the code and the tests; import-linter checks the layers (pyproject.toml)."""
    session.install("ruff>=0.6", "import-linter>=2.1")
    checks: list[tuple[list[str], dict[str, str]]] = [
        (["ruff", "check", "src", "tests", "noxfile.py"], {}),
        (["ruff", "format", "--check", "src", "tests", "noxfile.py"], {}),
        # The contracts only read the source tree: no need to install the package and its deps.
        (["lint-imports", "--no-cache"], {"PYTHONPATH": "src"}),
    ]
    failed = []
    for command, env in checks:  # every check runs, so one failure does not hide another
        try:
            session.run(*command, env=env)
        except nox.command.CommandFailed:
            failed.append(" ".join(command[:2]))
    if failed:
        session.error(f"failed: {', '.join(failed)}")


@nox.session
def typecheck(session: nox.Session) -> None:
    """mypy (strict) over src and the tests."""
    session.install("-e", ".[test,scan]", "mypy>=1.11", "types-psycopg2>=2.9")
    # Each test folder has its own conftest.py (one module name, three files): one run each.
    session.run("mypy", "src", "tests", "--exclude", "tests/(contract|multihost|torture|web)/")
    for folder in ("tests/contract", "tests/multihost", "tests/torture", "tests/web"):
        session.run("mypy", folder)


@nox.session
def bench(session: nox.Session) -> None:
    """Benchmarks against the targets: `nox -s bench -- --scale M --backend json`.

    Builds (or reuses) the dataset, times whole `cinema` processes and the peers, prints a
    markdown table and writes benchmarks/out/results-<scale>-<backend>.json.
    sqlite-utils is the import peer and matplotlib draws the `--curve` plot: bench-only
    dependencies, installed here only. `-- --http --scale M --backend sqlite` loads
    `cinema serve` instead (needs the `wrk` load generator: `apt-get install wrk`).
    """
    session.install("-e", ".[serve]", "httpx>=0.27", "sqlite-utils>=3.36", "matplotlib>=3.8")
    session.run("python", "benchmarks/run.py", *session.posargs)
