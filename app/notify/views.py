"""The signed-in user's notifications."""

from flask import current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from app.core.pagination import paginate
from app.core.permissions import login_only
from app.notify import queries, services
from app.notify.blueprint import bp
from app.notify.forms import MarkReadForm


@bp.route("/notifications")
@login_only
def index():
    """My notices, newest first, worded in my language."""
    page = paginate(
        queries.notices_of(current_user),
        request.args.get("page", 1, type=int),
        current_app.config["PAGE_SIZE"],
    )
    rendered = [(n, *services.render(n)) for n in page.items]
    return render_template("notify/index.html", page=page, rendered=rendered, form=MarkReadForm())


@bp.route("/notifications/read", methods=["POST"])
@login_only
def mark_read():
    """Mark all my notices as read."""
    if MarkReadForm().validate_on_submit():
        services.mark_all_read(current_user)
        flash(_("All notifications marked as read."), "success")
    return redirect(url_for("notify.index"))
