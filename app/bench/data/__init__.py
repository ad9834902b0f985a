"""The scale-data generator behind ``flask bench data``: a list of steps run in order.

Each ``Step`` writes one part of a realistic company and returns a one-line summary; later
features add theirs to ``STEPS`` (a competency framework before the bank, competency evidence
and service-quality scores after the courses). A step draws from its own random generator,
seeded from ``--seed`` and its name, so the same parameters always give the same data and a
new step leaves the others' data unchanged.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass

from sqlalchemy import func, select, text

from app.bench.data import bank, competencies, courses, org, quality, quizzes
from app.bench.data.base import Context, Params, fix_sequences, run_clock
from app.core import clock
from app.core.errors import DomainError
from app.core.models import Base, wiping_scratch_database
from app.core.uow import unit_of_work
from app.extensions import db
from app.org.models import User

__all__ = ["STEPS", "DataRefused", "Params", "Step", "empty_database", "generate"]


@dataclass(frozen=True)
class Step:
    """One part of the generated company: ``run(ctx)`` writes it and returns a summary."""

    name: str
    run: Callable[[Context], str]


STEPS: list[Step] = [
    Step("organisation", org.generate),
    Step("competency framework", competencies.generate),
    Step("question bank", bank.generate),
    Step("quizzes and attempts", quizzes.generate),
    Step("courses", courses.generate),
    Step("competency levels", competencies.levels),
    Step("service scores", quality.generate),
]


class DataRefused(DomainError):
    """The database already holds people and --force was not given."""


def people_count() -> int:
    """How many accounts the database holds."""
    return db.session.scalar(select(func.count(User.id))) or 0


def empty_database() -> None:
    """Delete every row of every application table (the schema and its version stay).

    The audit trail is append-only for the application; emptying a scratch database on
    ``--force`` is the one wipe allowed, and says so (``wiping_scratch_database``).
    """
    tables = list(reversed(Base.metadata.sorted_tables))
    with unit_of_work(), wiping_scratch_database(db.session):
        if db.session.get_bind().dialect.name == "postgresql":
            names = ", ".join(f'"{table.name}"' for table in tables)
            db.session.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
        else:
            for table in tables:
                db.session.execute(table.delete())


def generate(params: Params, *, force: bool = False) -> Iterator[str]:
    """Write the company step by step, yielding "step: summary" as each one commits.

    Refuses (DataRefused) when the database already holds people, unless ``force``: then every
    table is emptied first, so the result is the same as on an empty database.
    """
    existing = people_count()
    if existing and not force:
        raise DataRefused(
            f"the database already holds {existing} people; "
            "give --force to empty it and generate anyway"
        )
    if existing:
        empty_database()
    ctx = Context(params=params, now=run_clock(params))
    # Every default timestamp (import, audit, quiz creation) is the run's "now": the same
    # parameters then give the same rows, and generated history lies before it.
    clock.freeze(ctx.now)
    try:
        for step in STEPS:
            with unit_of_work():
                summary = step.run(ctx)
                fix_sequences(ctx)
            yield f"{step.name}: {summary}"
    finally:
        clock.freeze(None)
