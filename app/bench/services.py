"""The write ceiling's scratch table and its one insert.

The table lives outside the application's metadata (no model, no migration): it exists only in
benchmark databases, where the harness creates it, and nothing else reads it.
"""

from sqlalchemy import Column, Integer, MetaData, String, Table, insert

from app.core.uow import transaction
from app.extensions import db

#: one row per ceiling_write request
SCRATCH = Table(
    "bench_ceiling_write",
    MetaData(),
    Column("id", Integer, primary_key=True),
    Column("note", String(20), nullable=False),
)


def ensure_scratch_table() -> None:
    """Create the scratch table where missing."""
    SCRATCH.create(db.engine, checkfirst=True)


@transaction
def record_ceiling_write() -> None:
    """One insert, committed by the unit of work: the least a writing request can do."""
    db.session.execute(insert(SCRATCH).values(note="ceiling"))
