"""Grading pages for trainers: the manual-grading queue, regrades and quiz results."""

from flask import Response, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from app.bank import richtext
from app.bank.files import with_version_files
from app.bank.loaders import get_question_or_404
from app.bank.qtypes import QTYPES
from app.core.permissions import Role, role_required
from app.grading import queries, services
from app.grading.blueprint import bp
from app.grading.forms import GradeForm, RegradeForm
from app.grading.loaders import get_gradable_slot_or_404
from app.org.loaders import department_or_none
from app.org.queries import departments_by_name, job_roles
from app.quizzes.loaders import get_quiz_or_404
from app.quizzes.queries import latest_steps


@bp.route("/")
@role_required(Role.TRAINER, Role.ADMIN)
def queue():
    """Quizzes with responses awaiting a mark."""
    return render_template("grading/queue.html", rows=queries.queue_by_quiz())


@bp.route("/quizzes/<int:quiz_id>")
@role_required(Role.TRAINER, Role.ADMIN)
def quiz_queue(quiz_id: int):
    """The responses of one quiz awaiting a mark, by question."""
    quiz = get_quiz_or_404(quiz_id)
    question_id = request.args.get("question", type=int)
    slots = queries.waiting_slots(quiz, question_id)
    return render_template(
        "grading/quiz_queue.html",
        quiz=quiz,
        slots=slots,
        regradable=queries.questions_of_quiz(quiz),
    )


@bp.route("/slots/<int:slot_id>", methods=["GET", "POST"])
@role_required(Role.TRAINER, Role.ADMIN)
def grade(slot_id: int):
    """Mark one response: the response, the grader information, a mark and a comment."""
    slot = get_gradable_slot_or_404(slot_id)
    form = GradeForm(obj=None)
    if request.method == "GET" and slot.mark is not None:
        form.mark.data = slot.mark
        form.comment.data = slot.comment
    if form.validate_on_submit():
        try:
            services.grade_slot(current_user, slot, float(form.mark.data), form.comment.data)
        except services.GradingError as exc:
            form.mark.errors.append(str(exc))
        else:
            flash(_("Mark saved."), "success")
            remaining = queries.waiting_slots(slot.attempt.quiz)
            if remaining:
                return redirect(url_for("grading.grade", slot_id=remaining[0].id))
            return redirect(url_for("grading.quiz_queue", quiz_id=slot.attempt.quiz_id))
    version = slot.version
    qtype = QTYPES[version.qtype]
    step = latest_steps(slot.attempt).get(slot.id)
    response = qtype.render_review(
        version.data,
        step.value if step else None,
        slot.choice_order,
        False,
        False,
        textformat=version.questiontextformat,
        field_name=f"g{slot.id}",
        questiontext=version.questiontext,
    )
    return render_template(
        "grading/grade.html",
        slot=slot,
        attempt=slot.attempt,
        form=form,
        text=richtext.as_markup(
            with_version_files(
                qtype.text_html(version.questiontext, version.questiontextformat), version.id
            )
        ),
        response=richtext.as_markup(with_version_files(response, version.id)),
        graderinfo=richtext.as_markup(
            richtext.render(version.data.get("graderinfo", ""), version.questiontextformat)
        ),
    )


@bp.route("/questions/<key>/regrade", methods=["GET", "POST"])
@role_required(Role.TRAINER, Role.ADMIN)
def regrade(key: str):
    """Dry run of a regrade with the question's latest version; confirm to apply it."""
    question = get_question_or_404(key)
    form = RegradeForm()
    try:
        if form.validate_on_submit():
            changed = services.apply_regrade(current_user, question, form.reason.data)
            flash(_("Regrade applied: %(n)d attempt(s) changed.", n=changed), "success")
            return redirect(url_for("grading.regrade", key=key))
        version, changes, n_slots = services.plan_regrade(question)
    except services.GradingError as exc:
        return render_template(
            "grading/regrade.html", question=question, error=str(exc), form=form
        ), 409
    return render_template(
        "grading/regrade.html",
        question=question,
        version=version,
        changes=changes,
        n_slots=n_slots,
        form=form,
    )


def _results_filters():
    department = department_or_none(request.args.get("department", type=int))
    return department, request.args.get("job_role", type=int)


@bp.route("/quizzes/<int:quiz_id>/results")
@role_required(Role.TRAINER, Role.HR, Role.ADMIN)
def results(quiz_id: int):
    """Attempts with grades, time taken and state; responses per question; filters."""
    quiz = get_quiz_or_404(quiz_id)
    department, job_role_id = _results_filters()
    attempts = queries.quiz_attempts(quiz, department=department, job_role_id=job_role_id)
    responses = queries.response_rows(attempts, queries.slots_of(attempts))
    return render_template(
        "grading/results.html",
        quiz=quiz,
        rows=services.result_rows(attempts),
        attempts=attempts,
        responses=responses,
        departments=departments_by_name(),
        job_roles=job_roles(),
        department=department,
        job_role_id=job_role_id,
        regradable=queries.questions_of_quiz(quiz),
    )


@bp.route("/quizzes/<int:quiz_id>/results.<any(csv, xlsx):fmt>")
@role_required(Role.TRAINER, Role.HR, Role.ADMIN)
def export_results(quiz_id: int, fmt: str):
    """Download the results as CSV (UTF-8 with BOM) or XLSX."""
    quiz = get_quiz_or_404(quiz_id)
    department, job_role_id = _results_filters()
    rows = services.result_rows(
        queries.quiz_attempts(quiz, department=department, job_role_id=job_role_id)
    )
    if fmt == "csv":
        body, mimetype = services.results_csv(rows), "text/csv"  # Werkzeug adds the charset
    else:
        body = services.results_xlsx(rows, quiz.title)
        mimetype = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    return Response(
        body,
        mimetype=mimetype,
        headers={"Content-Disposition": f"attachment; filename=quiz-{quiz.id}-results.{fmt}"},
    )
