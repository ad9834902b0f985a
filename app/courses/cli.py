"""``flask courses apply-rules``: apply every assignment rule (cron, daily, one node)."""

import click

from app.courses import services
from app.courses.blueprint import bp


@bp.cli.command("apply-rules")
def apply_rules_command():
    """Apply every assignment rule and re-open expired certificates (idempotent; run daily)."""
    report = services.apply_all_rules()
    click.echo(report.summary)
