"""``cinema tokens``: staff API tokens for ``cinema serve`` (create, list, revoke)."""

from __future__ import annotations

import sys
from typing import Annotated

import typer

from cinema_cli.cli.options import JsonFlag, check_role, check_token_name

tokens_app = typer.Typer(
    name="tokens",
    help="Staff tokens for the HTTP API: door (check-in), office (cancel), admin (imports).",
    no_args_is_help=True,
)


@tokens_app.command("create")
def create(
    role: Annotated[
        str, typer.Option("--role", callback=check_role, help="door, office or admin.")
    ],
    name: Annotated[
        str, typer.Option("--name", callback=check_token_name, help="Who uses it, like north-gate.")
    ],
    as_json: JsonFlag = False,
) -> None:
    """Make a token and print it once (only its hash is kept).

    Example: cinema tokens create --role door --name north-gate
    """
    from cinema_cli.cli.context import runtime
    from cinema_cli.present.api import new_staff_token
    from cinema_cli.services.staff_tokens import create_token

    rt = runtime()
    made = create_token(rt.staff_tokens, rt.clock, role=role, name=name)
    if as_json:
        from cinema_cli.cli.output import emit_json

        emit_json(new_staff_token(made.token, made.secret))
        return
    sys.stdout.write(made.secret + "\n")
    sys.stderr.write(
        f"Token {made.token.id} ({made.token.role}, {made.token.name}): shown once, keep it "
        "safe. Send it as: Authorization: Bearer <token>\n"
    )


@tokens_app.command("list")
def list_tokens(as_json: JsonFlag = False) -> None:
    """List tokens (never their secrets), revoked ones included.

    Example: cinema tokens list
    """
    from cinema_cli.cli.context import runtime
    from cinema_cli.present.api import staff_token
    from cinema_cli.services.staff_tokens import list_tokens as service

    views = [staff_token(token) for token in service(runtime().staff_tokens)]
    if as_json:
        from cinema_cli.cli.output import emit_json

        emit_json({"tokens": views})
        return
    if not views:
        sys.stdout.write("No tokens. Make one: cinema tokens create --role door --name gate-1\n")
        return
    for view in views:
        state = f"revoked {view['revoked_at']}" if view["revoked_at"] else "live"
        sys.stdout.write(
            f"{view['id']}  {view['role']:<6}  {view['name']}  created {view['created_at']}"
            f"  {state}\n"
        )


@tokens_app.command("revoke")
def revoke(
    token: Annotated[str, typer.Argument(help="The token's id (tok-...) or name.")],
    as_json: JsonFlag = False,
) -> None:
    """Revoke a token; requests with it are refused at once.

    Example: cinema tokens revoke north-gate
    """
    from cinema_cli.cli.context import runtime
    from cinema_cli.present.api import staff_token
    from cinema_cli.services.staff_tokens import revoke_token

    rt = runtime()
    revoked = revoke_token(rt.staff_tokens, rt.clock, token)
    if as_json:
        from cinema_cli.cli.output import emit_json

        emit_json(staff_token(revoked))
        return
    sys.stdout.write(f"Revoked {revoked.id} ({revoked.role}, {revoked.name}).\n")


def register(app: typer.Typer) -> None:
    """Attach ``cinema tokens``."""
    app.add_typer(tokens_app)
