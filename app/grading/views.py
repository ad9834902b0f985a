"""Grading pages for trainers: the manual-grading queue, regrades and quiz results."""

from flask import Response, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import func, select

from app.bank import richtext
from app.bank.models import Question
from app.bank.qtypes import QTYPES
from app.core.permissions import Role, role_required
from app.extensions import db
from app.grading import bp, queries, services
from app.grading.forms import GradeForm, RegradeForm
from app.org.models import Department, JobRole
from app.quizzes.models import AttemptSlot, Quiz, ResponseStep
from app.quizzes.services import latest_steps


def get_quiz_or_404(quiz_id: int) -> Quiz:
    """A quiz, or 404."""
    quiz = db.session.get(Quiz, quiz_id)
    if quiz is None:
        abort(404)
    return quiz


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
    return render_template("grading/quiz_queue.html", quiz=quiz, slots=slots)


@bp.route("/slots/<int:slot_id>", methods=["GET", "POST"])
@role_required(Role.TRAINER, Role.ADMIN)
def grade(slot_id: int):
    """Mark one response: the response, the grader information, a mark and a comment."""
    slot = db.session.get(AttemptSlot, slot_id)
    if slot is None or slot.attempt.is_preview:
        abort(404)
    form = GradeForm(obj=None)
    if request.method == "GET" and slot.mark is not None:
        form.mark.data = slot.mark
        form.comment.data = slot.comment
    if form.validate_on_submit():
        try:
            services.grade_slot(current_user, slot, float(form.mark.data), form.comment.data)
        except services.GradingError as exc:
            db.session.rollback()
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
    )
    return render_template(
        "grading/grade.html",
        slot=slot,
        attempt=slot.attempt,
        form=form,
        text=richtext.as_markup(richtext.render(version.questiontext, version.questiontextformat)),
        response=richtext.as_markup(response),
        graderinfo=richtext.as_markup(
            richtext.render(version.data.get("graderinfo", ""), version.questiontextformat)
        ),
    )


@bp.route("/questions/<key>/regrade", methods=["GET", "POST"])
@role_required(Role.TRAINER, Role.ADMIN)
def regrade(key: str):
    """Dry run of a regrade with the question's latest version; confirm to apply it."""
    question = db.session.scalar(select(Question).where(Question.key == key))
    if question is None:
        abort(404)
    form = RegradeForm()
    try:
        if form.validate_on_submit():
            changed = services.apply_regrade(current_user, question, form.reason.data)
            flash(_("Regrade applied: %(n)d attempt(s) changed.", n=changed), "success")
            return redirect(url_for("grading.regrade", key=key))
        version, changes, n_slots = services.plan_regrade(question)
    except services.GradingError as exc:
        db.session.rollback()
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
    department = None
    if request.args.get("department", type=int):
        department = db.session.get(Department, request.args.get("department", type=int))
    return department, request.args.get("job_role", type=int)


@bp.route("/quizzes/<int:quiz_id>/results")
@role_required(Role.TRAINER, Role.HR, Role.ADMIN)
def results(quiz_id: int):
    """Attempts with grades, time taken and state; responses per question; filters."""
    quiz = get_quiz_or_404(quiz_id)
    department, job_role_id = _results_filters()
    attempts = queries.quiz_attempts(quiz, department=department, job_role_id=job_role_id)
    responses = _responses(attempts, queries.slots_of(attempts))
    return render_template(
        "grading/results.html",
        quiz=quiz,
        rows=services.result_rows(attempts),
        attempts=attempts,
        responses=responses,
        departments=db.session.scalars(select(Department).order_by(Department.full_name)).all(),
        job_roles=db.session.scalars(select(JobRole).order_by(JobRole.id)).all(),
        department=department,
        job_role_id=job_role_id,
    )


def _responses(attempts, slots) -> list[dict]:
    """Per slot of each attempt: question, summarised response, mark (two queries in all)."""
    if not slots:
        return []
    newest = (
        select(ResponseStep.attempt_slot_id, func.max(ResponseStep.seq).label("seq"))
        .where(ResponseStep.attempt_slot_id.in_([s.id for s in slots]))
        .group_by(ResponseStep.attempt_slot_id)
        .subquery()
    )
    values = dict(
        db.session.execute(
            select(ResponseStep.attempt_slot_id, ResponseStep.value).join(
                newest,
                (ResponseStep.attempt_slot_id == newest.c.attempt_slot_id)
                & (ResponseStep.seq == newest.c.seq),
            )
        ).all()
    )
    people = {a.id: a for a in attempts}
    rows = []
    for slot in slots:
        qtype = QTYPES[slot.version.qtype]
        rows.append(
            {
                "attempt": people[slot.attempt_id],
                "slot": slot,
                "question": slot.version.name,
                "response": qtype.summarise_response(slot.version.data, values.get(slot.id)),
            }
        )
    return rows


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
        body, mimetype = services.results_csv(rows), "text/csv; charset=utf-8"
    else:
        body = services.results_xlsx(rows, quiz.title)
        mimetype = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    return Response(
        body,
        mimetype=mimetype,
        headers={"Content-Disposition": f"attachment; filename=quiz-{quiz.id}-results.{fmt}"},
    )
