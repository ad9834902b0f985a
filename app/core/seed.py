"""The demo seeders that each feature registers, run in order by ``flask seed-demo``."""

from collections.abc import Callable

import click
from flask import current_app
from flask.cli import with_appcontext

_SEEDERS: list[tuple[int, str, Callable[[], str]]] = []


def demo_seeder(order: int, name: str):
    """Register a function that seeds demo data idempotently and returns a one-line summary."""

    def decorator(fn: Callable[[], str]) -> Callable[[], str]:
        if all(existing != name for _o, existing, _f in _SEEDERS):
            _SEEDERS.append((order, name, fn))
        return fn

    return decorator


def run_seeders() -> list[str]:
    """Run every registered seeder in order; return their summaries."""
    return [f"{name}: {fn()}" for _order, name, fn in sorted(_SEEDERS, key=lambda s: s[:2])]


@click.command("seed-demo")
@with_appcontext
def seed_demo_command() -> None:
    """Load the demo company, people and content (idempotent)."""
    current_app.logger.info("seeding demo data")
    for line in run_seeders():
        click.echo(line)
