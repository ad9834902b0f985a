"""``flask api ...``: service tokens for other systems."""

from datetime import timedelta

import click

from app.api import queries, services
from app.api.blueprint import bp
from app.api.models import SCOPES
from app.core import clock
from app.core.errors import DomainError


@bp.cli.command("create-service-token")
@click.argument("name")
@click.option(
    "--scope", "scopes", multiple=True, required=True, type=click.Choice(SCOPES), help="Repeatable."
)
@click.option("--expires-days", type=click.IntRange(min=1), help="Default: never expires.")
def create_service_token_command(name, scopes, expires_days):
    """Create a token for the service NAME (acting as user svc-NAME); prints it once."""
    expires_at = clock.now() + timedelta(days=expires_days) if expires_days else None
    try:
        token, raw = services.create_service_token(None, name, scopes, expires_at)
    except DomainError as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(
        f"token {token.id} for {token.user.employee_no} ({', '.join(token.scopes)}):", err=True
    )
    click.echo(raw)


@bp.cli.command("list-tokens")
def list_tokens_command():
    """List the service tokens (never the tokens themselves)."""
    now = clock.now()
    for token in sorted(queries.service_tokens(), key=lambda t: t.id):
        state = "revoked" if token.revoked_at else "live" if token.is_live(now) else "expired"
        expires = token.expires_at.isoformat() if token.expires_at else "never"
        click.echo(f"{token.id}\t{token.name}\t{','.join(token.scopes)}\t{state}\t{expires}")


@bp.cli.command("revoke-token")
@click.argument("token_id", type=int)
def revoke_token_command(token_id):
    """Revoke the token with this id."""
    token = queries.token_by_id(token_id)
    if token is None:
        raise click.ClickException(f"no token {token_id}")
    services.revoke_token(None, token)
    click.echo(f"revoked token {token_id}")
