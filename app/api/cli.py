"""``flask api ...``: service tokens for other systems."""

from datetime import timedelta

import click
from sqlalchemy import select

from app.api import bp, services
from app.api.models import SCOPES, ApiToken
from app.core import clock
from app.core.errors import DomainError
from app.extensions import db


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
    for token in db.session.scalars(
        select(ApiToken).where(ApiToken.scopes.is_not(None)).order_by(ApiToken.id)
    ):
        state = "revoked" if token.revoked_at else "live" if token.is_live(now) else "expired"
        expires = token.expires_at.isoformat() if token.expires_at else "never"
        click.echo(f"{token.id}\t{token.name}\t{','.join(token.scopes)}\t{state}\t{expires}")


@bp.cli.command("revoke-token")
@click.argument("token_id", type=int)
def revoke_token_command(token_id):
    """Revoke the token with this id."""
    token = db.session.get(ApiToken, token_id)
    if token is None:
        raise click.ClickException(f"no token {token_id}")
    services.revoke_token(None, token)
    click.echo(f"revoked token {token_id}")
