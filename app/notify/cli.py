"""``flask notify send-due``: make due notices and email them, once each (cron, one node)."""

import click

from app.notify import services
from app.notify.blueprint import bp


@bp.cli.command("send-due")
def send_due_command():
    """Make the notices due now and email every notice not emailed before (idempotent)."""
    made, emailed = services.send_due()
    click.echo(f"{made} notice(s) made, {emailed} email(s) sent")
