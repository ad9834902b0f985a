"""Quiz results for HR, trainers and managers (a manager sees their subtrees' people only), their
exports, and one person's record: training, quiz results, competencies and service scores."""

from __future__ import annotations

from flask import render_template, request
from flask_babel import gettext as _
from flask_login import current_user

from app.core.i18n import select_locale
from app.core.pagination import paginate
from app.core.permissions import (
    can_view_quiz_results,
    guarded_by,
    login_only,
    sees_all_quiz_results,
)
from app.core.responses import download
from app.org import queries as org_queries
from app.quizzes.loaders import get_quiz_or_404
from app.reports import exports, quiz_results, sheets, words
from app.reports import person as person_record
from app.reports.blueprint import bp
from app.reports.loaders import person_in_scope, results_department_in_scope
from app.reports.queries_scope import departments_for


def _filters() -> dict:
    return {
        "department": results_department_in_scope(
            current_user, request.args.get("department", type=int)
        ),
        "job_role_id": request.args.get("job_role", type=int) or None,
    }


def _filter_choices() -> dict:
    return {
        "departments": departments_for(
            current_user, everything=sees_all_quiz_results(current_user)
        ),
        "job_roles": org_queries.job_roles(),
        "locale": select_locale(),
    }


@bp.route("/quizzes")
@guarded_by(can_view_quiz_results)
def quizzes():
    """Every quiz with the results of the people I see: attempts, mean grade, pass rate."""
    filters = _filters()
    page = paginate(
        quiz_results.quizzes(current_user, **filters),
        request.args.get("page", 1, type=int),
        quiz_results.PAGE_SIZE,
        rows=True,
    )
    return render_template("reports/quizzes.html", page=page, filters=filters, **_filter_choices())


@bp.route("/quizzes.<any(xlsx, csv):fmt>")
@guarded_by(can_view_quiz_results)
def quizzes_export(fmt: str):
    """The quiz list as XLSX or CSV."""
    rows = quiz_results.all_quizzes(quiz_results.quizzes(current_user, **_filters()))
    content, mimetype = exports.as_file(fmt, [sheets.quizzes_sheet(rows)], _("Quiz results"))
    return download(content, f"quiz-results.{fmt}", mimetype)


@bp.route("/quizzes/<int:quiz_id>/results")
@guarded_by(can_view_quiz_results)
def quiz_results_page(quiz_id: int):
    """One quiz's attempts by the people I see, with grades, times and verdicts."""
    quiz = get_quiz_or_404(quiz_id)
    filters = _filters()
    page = paginate(
        quiz_results.attempts(current_user, quiz, **filters),
        request.args.get("page", 1, type=int),
        quiz_results.PAGE_SIZE,
    )
    return render_template(
        "reports/quiz_results.html",
        quiz=quiz,
        page=page,
        filters=filters,
        states=words.ATTEMPT_STATES,
        attempt_state=words.attempt_state,
        minutes_taken=quiz_results.minutes_taken,
        **_filter_choices(),
    )


@bp.route("/quizzes/<int:quiz_id>/results.<any(xlsx, csv):fmt>")
@guarded_by(can_view_quiz_results)
def quiz_results_export(quiz_id: int, fmt: str):
    """One quiz's attempts by the people I see as XLSX or CSV."""
    quiz = get_quiz_or_404(quiz_id)
    attempts = quiz_results.all_attempts(quiz_results.attempts(current_user, quiz, **_filters()))
    content, mimetype = exports.as_file(fmt, [sheets.attempts_sheet(attempts)], quiz.title)
    return download(content, f"quiz-{quiz.id}-results.{fmt}", mimetype)


@bp.route("/people/<int:user_id>")
@login_only
def person(user_id: int):
    """A person's record: training and certificates, quiz results, competencies, service
    scores (the person, their managers, HR and admins; 403 for anyone else)."""
    found = person_in_scope(current_user, user_id)
    return render_template(
        "reports/person.html",
        record=person_record.record(found),
        states=words.ATTEMPT_STATES,
        attempt_state=words.attempt_state,
        locale=select_locale(),
    )
