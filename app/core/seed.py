"""``flask seed-demo``: runs the demo seeders that features connect to ``demo_seeder``, in order."""

from collections.abc import Callable
from dataclasses import dataclass

import click
from flask import current_app
from flask.cli import with_appcontext

from app.core import hooks


@dataclass(frozen=True)
class DemoSeeder:
    """One feature's demo seeder: ``fn()`` seeds idempotently and returns a one-line summary."""

    order: int
    name: str
    fn: Callable[[], str]


def run_seeders() -> list[str]:
    """Run every connected seeder in order; return their summaries."""
    seeders = sorted(hooks.handlers("demo_seeder"), key=lambda s: (s.order, s.name))
    return [f"{seeder.name}: {seeder.fn()}" for seeder in seeders]


@click.command("seed-demo")
@with_appcontext
def seed_demo_command() -> None:
    """Load the demo company, people and content (idempotent)."""
    current_app.logger.info("seeding demo data")
    for line in run_seeders():
        click.echo(line)
