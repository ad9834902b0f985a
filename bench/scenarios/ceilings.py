"""The two ceilings measured beside every request scenario: a trivial read and one insert."""

from sqlalchemy import func, select

from bench.registry import http_scenario


def _count_scratch_rows(harness, acks: list) -> int:
    """Acknowledged inserts missing from the scratch table (created empty for the run; only
    this scenario writes to it, and a write cut off by a segment's end may add a row)."""
    from app.bench.services import SCRATCH
    from app.extensions import db

    stored = db.session.scalar(select(func.count()).select_from(SCRATCH))
    return max(0, len(acks) - stored)


@http_scenario("ceiling", is_ceiling=True)
def ceiling(user):
    """GET a trivial endpoint: routing and a tiny response, no session, no database."""
    user.get("/bench/ceiling", name="ceiling")


@http_scenario("ceiling_write", is_ceiling=True, verify=_count_scratch_rows)
def ceiling_write(user):
    """POST one insert and its commit into a scratch table."""
    response = user.post("/bench/ceiling-write", {}, name="ceiling_write", expect=(200,))
    if response.status_code == 200:
        user.ack(1)
