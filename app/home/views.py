"""The home page: one dashboard section per role the user holds."""

from flask import redirect, render_template, url_for
from flask_login import current_user

from app.core.permissions import Role, has_role, login_only, public
from app.grading import queries as grading_queries
from app.home import queries
from app.home.blueprint import bp
from app.org import queries as org_queries


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
    queries.database_responds()
    return {"status": "ok"}


@bp.route("/home")
@login_only
def index():
    """The signed-in user's dashboard."""
    context = {}
    if has_role(current_user, Role.TRAINER):
        context["my_courses"] = queries.courses_by(current_user)
        context["my_quizzes"] = queries.quizzes_by(current_user)
        context["awaiting"] = grading_queries.queue_by_quiz()
        context["imports"] = queries.recent_imports()
    if has_role(current_user, Role.HR, Role.ADMIN):
        context["user_counts"] = org_queries.user_counts()
    return render_template("home/index.html", **context)
