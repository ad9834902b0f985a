"""``flask auth ...`` commands: switch an account's sign-in source, try the LDAP settings."""

import click
from flask import current_app

from app.auth import directory, services
from app.auth.blueprint import SETTINGS_KEY, bp
from app.core.errors import DomainError
from app.org.models import AUTH_SOURCES
from app.org.queries import user_by_employee_no


@bp.cli.command("set-source")
@click.argument("employee_no")
@click.argument("source", type=click.Choice(AUTH_SOURCES))
def set_source_command(employee_no, source):
    """Make an account sign in locally or through the directory (drops a local password)."""
    user = user_by_employee_no(employee_no)
    if user is None:
        raise click.ClickException(f"no user with employee number {employee_no}")
    try:
        services.set_auth_source(None, user, source)
    except DomainError as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(f"{employee_no} now signs in with {source}")


@bp.cli.command("test-ldap")
@click.argument("username")
@click.password_option(confirmation_prompt=False)
def test_ldap_command(username, password):
    """Sign in to the directory as USERNAME and show what SkillGrid would make of the entry."""
    settings = current_app.extensions[SETTINGS_KEY]
    if settings.ldap is None:
        raise click.ClickException("LOGIN_METHODS does not include ldap")
    try:
        profile = directory.authenticate(settings.ldap, username, password)
    except directory.DirectoryUnavailable as exc:
        raise click.ClickException(f"directory unavailable: {exc}") from None
    except directory.DirectoryRefused as exc:
        raise click.ClickException(f"refused: {exc}") from None
    mapping = services.map_groups(profile.groups, settings.ldap.group_map)
    click.echo(f"employee_no: {profile.employee_no}")
    click.echo(f"name:        {profile.name}")
    click.echo(f"email:       {profile.email or '-'}")
    click.echo(f"department:  {profile.department_path or '-'}")
    click.echo("groups:      " + ("; ".join(profile.groups) or "-"))
    click.echo("mapped from: " + (", ".join(mapping.matched) or "-"))
    click.echo("roles:       " + (", ".join(mapping.roles) or "- (sign-in would be refused)"))
    click.echo(f"job role:    {mapping.job_role or '-'}")
