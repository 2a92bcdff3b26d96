"""The one place that turns exceptions into messages and exit codes."""

from __future__ import annotations

import sys
from typing import Any, NoReturn

from cinema_cli.domain.errors import CinemaError, ExitCode


def _json_default(value: Any) -> str:
    return str(value)


def report_usage(error: Any, *, as_json: bool) -> NoReturn:
    """A command-line usage error (Typer's): exit 2, as JSON when ``--json`` was given."""
    exit_code = int(getattr(error, "exit_code", ExitCode.USAGE))
    if as_json:
        import json

        from cinema_cli.present.errors import error as error_shape

        document = error_shape("usage", error.format_message())
        sys.stderr.write(json.dumps(document) + "\n")
    else:
        error.show(file=sys.stderr)
    sys.stderr.flush()
    raise SystemExit(exit_code)


def report(error: BaseException, *, as_json: bool, debug: bool) -> NoReturn:
    """Print ``error`` on stderr the documented way and exit with its code."""
    if debug and not isinstance(error, CinemaError):
        # Expected errors say all there is to say; a traceback is for what was not expected.
        import traceback

        traceback.print_exception(error, file=sys.stderr)
    if isinstance(error, CinemaError):
        exit_code = int(error.exit_code)
        if as_json:
            import json

            from cinema_cli.present.errors import cinema_error

            document = cinema_error(error)
            sys.stderr.write(json.dumps(document, default=_json_default) + "\n")
        else:
            from cinema_cli.cli.context import runnable

            sys.stderr.write(f"Error: {error.message}\n")
            hint = error.details.get("hint")
            if hint:
                sys.stderr.write(f"Hint: {runnable(str(hint))}\n")
    else:
        exit_code = int(ExitCode.UNEXPECTED)
        message = f"unexpected {type(error).__name__}: {error}"
        if as_json:
            import json

            from cinema_cli.present.errors import error as error_shape

            sys.stderr.write(json.dumps(error_shape("unexpected", message)) + "\n")
        else:
            sys.stderr.write(f"Error: {message}\n")
            if not debug:
                sys.stderr.write("Run again with --debug to see the traceback.\n")
    sys.stderr.flush()
    raise SystemExit(exit_code)
