"""The home page: one dashboard section per role the user holds."""

from flask import redirect, render_template, url_for
from flask_login import current_user
from sqlalchemy import text

from app.core.permissions import Role, has_role, login_only, public
from app.extensions import db
from app.home import bp
from app.org import queries


@bp.route("/")
@public
def root():
    """Send visitors to their home page, or to sign in."""
    if current_user.is_authenticated:
        return redirect(url_for("home.index"))
    return redirect(url_for("auth.login"))


@bp.route("/healthz")
@public
def healthz():
    """Load-balancer health check: the app answers and the database responds."""
    db.session.execute(text("SELECT 1"))
    return {"status": "ok"}


@bp.route("/home")
@login_only
def index():
    """The signed-in user's dashboard."""
    context = {}
    if has_role(current_user, Role.HR, Role.ADMIN):
        context["headcount"] = queries.headcount_by_job_role()
        context["user_counts"] = queries.user_counts()
    return render_template("home/index.html", **context)
