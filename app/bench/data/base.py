"""What every step of the scale-data generator shares: parameters, context, fast bulk writes.

A step gets a ``Context``: the parameters, a random generator of its own (seeded from the seed
and the step's name, so adding a step never changes what the others generate), the fixed
``now`` of the run, and ``shared``, where a step leaves what later steps need (people, codes,
questions). Large tables are written with explicit ids in multi-row inserts; on PostgreSQL the
id sequences are moved past them afterwards (``fix_sequences``).
"""

from __future__ import annotations

import hashlib
import random
import string
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time
from typing import Any

from sqlalchemy import func, insert, select, text

from app.extensions import db

#: the password of every generated account (a throwaway database; the harness signs in with it)
BENCH_PASSWORD = "bench-password-1"  # noqa: S105 - documented benchmark credential
#: rows per INSERT statement batch: bounds memory on the largest tables
CHUNK = 5000


@dataclass(frozen=True)
class Params:
    """What to generate: sizes, the seed, and the day the data is as of."""

    staff: int = 200
    questions: int = 500
    attempts: int = 1000
    seed: int = 1
    #: competencies of the framework the bank's questions test (27 demo ones, then GX1, GX2, …)
    competencies: int = 27
    #: months of history: attempts and completions spread over them
    periods: int = 12
    #: the day the company is "as of" (default: today); fixes every generated date
    as_of: date | None = None


@dataclass
class Context:
    """One generation run: parameters, the run's clock, what steps hand to later steps."""

    params: Params
    now: datetime
    shared: dict[str, Any] = field(default_factory=dict)
    #: tables given explicit ids (their PostgreSQL sequences need moving on)
    id_tables: set[str] = field(default_factory=set)

    def rng(self, step: str) -> random.Random:
        """The random generator of ``step``: the same seed and name give the same sequence."""
        return random.Random(f"{self.params.seed}:{step}")


def run_clock(params: Params) -> datetime:
    """The run's fixed "now": 10:00 UTC on the as-of day."""
    day = params.as_of or datetime.now(UTC).date()
    return datetime.combine(day, time(10, 0), tzinfo=UTC)


def password_hash(password: str, salt_seed: str) -> str:
    """A werkzeug-compatible scrypt hash with a salt derived from ``salt_seed`` (reproducible)."""
    rng = random.Random(f"salt:{salt_seed}")
    salt = "".join(rng.choice(string.ascii_letters + string.digits) for _ in range(16))
    n, r, p = 2**15, 8, 1
    digest = hashlib.scrypt(
        password.encode(), salt=salt.encode(), n=n, r=r, p=p, maxmem=132 * n * r * p
    ).hex()
    return f"scrypt:{n}:{r}:{p}${salt}${digest}"


def token(rng: random.Random, nbytes: int = 16) -> str:
    """A hex token from ``rng`` (unique in practice, reproducible from the seed)."""
    return f"{rng.getrandbits(nbytes * 8):0{nbytes * 2}x}"


def next_id(model) -> int:
    """The first free id of ``model``'s table."""
    return (db.session.scalar(select(func.max(model.id))) or 0) + 1


def bulk_insert(ctx: Context, model, rows: Iterable[dict]) -> int:
    """Insert ``rows`` into ``model``'s table in multi-row batches; returns how many."""
    table = model.__table__ if hasattr(model, "__table__") else model
    if "id" in table.c:
        ctx.id_tables.add(table.name)
    count = 0
    batch: list[dict] = []
    for row in rows:
        batch.append(row)
        if len(batch) >= CHUNK:
            db.session.execute(insert(table), batch)
            count += len(batch)
            batch = []
    if batch:
        db.session.execute(insert(table), batch)
        count += len(batch)
    return count


def fix_sequences(ctx: Context) -> None:
    """Move PostgreSQL's id sequences past the explicit ids written (SQLite needs nothing)."""
    if db.session.get_bind().dialect.name != "postgresql":
        return
    for name in sorted(ctx.id_tables):
        db.session.execute(
            text(
                f"SELECT setval(pg_get_serial_sequence('{name}', 'id'), "  # noqa: S608 - our names
                f"(SELECT COALESCE(MAX(id), 0) + 1 FROM {name}), false)"
            )
        )


def spread(total: int, weights: dict[str, float]) -> dict[str, int]:
    """Split ``total`` by ``weights`` (largest remainders; every key with weight gets its share)."""
    exact = {key: total * weight / sum(weights.values()) for key, weight in weights.items()}
    counts = {key: int(value) for key, value in exact.items()}
    rest = sorted(exact, key=lambda key: (counts[key] - exact[key], key))
    for key in rest[: total - sum(counts.values())]:
        counts[key] += 1
    return counts
