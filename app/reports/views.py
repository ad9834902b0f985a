"""The statistics pages for trainers: a quiz's test and question statistics, the histogram of
totals, the response analysis, and the same as a workbook."""

from flask import Response, render_template, request
from flask_babel import gettext as _

from app.core import charts
from app.core.permissions import Role, role_required
from app.quizzes.loaders import get_quiz_or_404
from app.reports import labels, services, tables
from app.reports.blueprint import bp
from app.reports.item_stats import ATTEMPT_CHOICES

#: who sees a quiz's statistics: those who build quizzes
STATISTICS_ROLES = (Role.TRAINER, Role.ADMIN)


@bp.context_processor
def _statistics_labels() -> dict:
    """Words and number formats for the statistics templates."""
    return {
        "choice_labels": labels.CHOICE_LABELS,
        "flag_labels": labels.FLAG_LABELS,
        "flag_help": labels.FLAG_HELP,
        "warning_flags": labels.WARNING_FLAGS,
        "headings": tables.HEADINGS,
        "percent": labels.percent,
        "points": labels.points,
        "number": labels.number,
        "type_label": tables.type_label,
        "row_name": tables.row_name,
        "response_summary": tables.response_summary,
        "sd_fraction": tables.sd_fraction,
    }


def _choice(quiz) -> str:
    """The choice of attempts from ``?attempts=`` (else the quiz's grading method's)."""
    choice = request.args.get("attempts")
    return choice if choice in ATTEMPT_CHOICES else services.default_choice(quiz)


def _sort() -> tuple[str | None, bool]:
    """The sort key from ``?sort=`` (unknown: the quiz's order) and ``?dir=desc``."""
    sort = request.args.get("sort")
    return (sort if sort in tables.SORTS else None), request.args.get("dir") == "desc"


@bp.route("/quizzes/<int:quiz_id>/statistics")
@role_required(*STATISTICS_ROLES)
def quiz_statistics(quiz_id: int):
    """The quiz's statistics for a choice of attempts, sorted as asked."""
    quiz = get_quiz_or_404(quiz_id)
    choice = _choice(quiz)
    sort, descending = _sort()
    cached = services.statistics_for(quiz, choice)
    payload = cached.payload
    bands = payload["histogram"]
    chart = None
    if payload["test"]["count"] and bands:
        chart = charts.bars(
            _("Distribution of attempt totals"),
            [f"{labels.number(low, 1)}–{labels.number(high, 1)}" for low, high, _n in bands],
            [(_("Attempts"), [n for _low, _high, n in bands])],
        )
    return render_template(
        "reports/quiz_statistics.html",
        quiz=quiz,
        choice=choice,
        choices=ATTEMPT_CHOICES,
        cached=cached,
        test=payload["test"],
        bands=bands,
        rows=tables.sorted_rows(payload["rows"], sort, descending),
        sort=sort,
        descending=descending,
        chart=chart,
    )


@bp.route("/quizzes/<int:quiz_id>/statistics.xlsx")
@role_required(*STATISTICS_ROLES)
def export_statistics(quiz_id: int):
    """The same statistics as an XLSX workbook (rows in the order the page shows them)."""
    quiz = get_quiz_or_404(quiz_id)
    choice = _choice(quiz)
    sort, descending = _sort()
    payload = services.statistics_for(quiz, choice).payload
    body = tables.statistics_xlsx(
        quiz.title, payload, tables.sorted_rows(payload["rows"], sort, descending)
    )
    return Response(
        body,
        mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        headers={
            "Content-Disposition": f"attachment; filename=quiz-{quiz.id}-statistics-{choice}.xlsx"
        },
    )
