"""The two ceilings every benchmark run measures beside its scenarios (bench configuration only)."""

from app.bench import services
from app.bench.blueprint import bp
from app.core.permissions import public
from app.extensions import csrf


@bp.route("/ceiling")
@public
def ceiling():
    """The request ceiling: routing and a tiny response, no session, no database."""
    return "ok", 200, {"Content-Type": "text/plain"}


@bp.route("/ceiling-write", methods=["POST"])
@public
@csrf.exempt
def ceiling_write():
    """The write ceiling: one insert and its commit into the scratch table."""
    services.record_ceiling_write()
    return "ok", 200, {"Content-Type": "text/plain"}
