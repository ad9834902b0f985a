"""Quiz pages: staff take quizzes; trainers build, preview and open them."""

from flask import abort, flash, jsonify, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select
from wtforms import SelectChoice

from app.bank import richtext
from app.bank.models import Category
from app.bank.qtypes import COMPETENCY_CODES, QTYPES
from app.core import clock
from app.core.forms import ConfirmForm
from app.core.permissions import Role, login_only, role_required
from app.extensions import db
from app.org.models import Department, JobRole, User
from app.org.queries import department_tree
from app.quizzes import bp, queries, services
from app.quizzes.forms import (
    AudienceForm,
    FixedSlotForm,
    OverrideForm,
    QuizForm,
    RandomSlotForm,
)
from app.quizzes.models import (
    REVIEW_ITEMS,
    REVIEW_TIMES,
    Attempt,
    Quiz,
    QuizOverride,
    QuizSlot,
    default_review_options,
)

# --- object loaders -----------------------------------------------------------------------


def get_quiz_or_404(quiz_id: int) -> Quiz:
    """A quiz, or 404."""
    quiz = db.session.get(Quiz, quiz_id)
    if quiz is None:
        abort(404)
    return quiz


def get_visible_quiz_or_404(quiz_id: int) -> Quiz:
    """A quiz the current user may see: authors always, staff when published and in audience."""
    quiz = get_quiz_or_404(quiz_id)
    if services.can_author(current_user):
        return quiz
    if not quiz.is_published or not services.in_audience(current_user, quiz):
        abort(404)
    return quiz


def get_attempt_or_404(
    attempt_id: int, *, allow_authors: bool = False, with_questions: bool = True
) -> Attempt:
    """An attempt (with its questions unless told not to); 403 unless it is the user's own."""
    if with_questions:
        attempt = queries.attempt_with_versions(attempt_id)
    else:
        attempt = db.session.get(Attempt, attempt_id)
    if attempt is None:
        abort(404)
    if attempt.user_id != current_user.id and not (
        allow_authors and services.can_author(current_user)
    ):
        abort(403)
    return attempt


# --- staff: taking quizzes ----------------------------------------------------------------


@bp.route("/quizzes/")
@login_only
def my_quizzes():
    """Quizzes I can take now or soon, with time limit and attempts left."""
    return render_template(
        "quizzes/my_quizzes.html", rows=queries.available_quizzes(current_user, clock.now())
    )


@bp.route("/quizzes/<int:quiz_id>")
@login_only
def view(quiz_id: int):
    """A quiz's information page: rules, my attempts, start or continue."""
    quiz = get_visible_quiz_or_404(quiz_id)
    attempts = queries.my_attempts(current_user, quiz)
    for attempt in attempts:
        services.finish_if_overdue(attempt)
    used = sum(1 for a in attempts if not a.is_preview)
    settings = services.effective_settings(quiz, current_user)
    return render_template(
        "quizzes/view.html",
        quiz=quiz,
        settings=settings,
        attempts=attempts,
        left=services.attempts_left(quiz, used, settings),
        is_open=services.is_open(quiz, clock.now(), settings),
        in_audience=services.in_audience(current_user, quiz),
        grade=services.quiz_grade(quiz, current_user),
        button=ConfirmForm(),
        description=richtext.as_markup(richtext.render(quiz.description or "", "markdown")),
    )


@bp.route("/quizzes/<int:quiz_id>/start", methods=["POST"])
@login_only
def start(quiz_id: int):
    """Start a new attempt, or continue the one in progress."""
    quiz = get_visible_quiz_or_404(quiz_id)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    try:
        attempt, _started = services.start_attempt(current_user, quiz)
    except services.QuizError as exc:
        flash(str(exc), "danger")
        return redirect(url_for("quizzes.view", quiz_id=quiz.id))
    return redirect(url_for("quizzes.attempt", attempt_id=attempt.id))


def _slot_views(attempt: Attempt, slots, responses: dict, *, review: set | None = None):
    """Render each slot: the question text and the answer controls (or the review)."""
    views = []
    for slot in slots:
        version = slot.version
        qtype = QTYPES[version.qtype]
        response = responses.get(slot.number)
        if review is None:
            body = qtype.render_answer(
                version.data,
                response,
                slot.choice_order,
                f"q{slot.number}",
                textformat=version.questiontextformat,
            )
            feedback = ""
        else:
            body = qtype.render_review(
                version.data,
                response,
                slot.choice_order,
                "correct" in review,
                "feedback" in review,
                textformat=version.questiontextformat,
                field_name=f"q{slot.number}",
            )
            feedback = (
                richtext.render(
                    version.generalfeedback,
                    version.generalfeedbackformat or version.questiontextformat,
                )
                if "feedback" in review and version.generalfeedback
                else ""
            )
        views.append(
            {
                "slot": slot,
                "qtype": version.qtype,
                "text": richtext.as_markup(
                    richtext.render(version.questiontext, version.questiontextformat)
                ),
                "body": richtext.as_markup(body),
                "feedback": richtext.as_markup(feedback),
                "answered": response is not None
                and qtype.is_complete_response(version.data, response),
                "is_info": not qtype.is_graded,
            }
        )
    return views


@bp.route("/attempts/<int:attempt_id>")
@login_only
def attempt(attempt_id: int):
    """One page of an attempt in progress."""
    found = get_attempt_or_404(attempt_id)
    if found.state != "in_progress" or services.finish_if_overdue(found):
        return redirect(url_for("quizzes.review", attempt_id=found.id))
    pages = sorted({s.page for s in found.slots})
    page = request.args.get("page", pages[0], type=int)
    if page not in pages:
        page = pages[0]
    responses = services.current_responses(found)
    slots = [s for s in found.slots if s.page == page]
    return render_template(
        "quizzes/attempt.html",
        attempt=found,
        quiz=found.quiz,
        page=page,
        pages=pages,
        questions=_slot_views(found, slots, responses),
        answered={s.number for s in found.slots if s.number in responses},
        now=clock.now(),
        button=ConfirmForm(),
    )


def _save_slot(found: Attempt, slot, form, seq):
    qtype = QTYPES[slot.version.qtype]
    raw = qtype.read_form(slot.version.data, form, f"q{slot.number}")
    response = qtype.normalise_response(slot.version.data, raw, slot.choice_order)
    return services.save_response(found, slot, response, seq)


@bp.route("/attempts/<int:attempt_id>/save", methods=["POST"])
@login_only
def save(attempt_id: int):
    """Autosave of one answer (the page's script): JSON in the body's form fields, JSON out."""
    found = get_attempt_or_404(attempt_id, with_questions=False)
    slot_number = request.form.get("slot", type=int)
    seq = request.form.get("seq", type=int)
    if slot_number is None:
        return jsonify(error=_("No question given.")), 400
    try:
        slot = services.attempt_slot(found, slot_number)
        result = _save_slot(found, slot, request.form, seq)
    except services.AttemptClosed as exc:
        return jsonify(
            error=str(exc),
            state="finished",
            review_url=url_for("quizzes.review", attempt_id=found.id),
        ), 409
    except services.QuizError as exc:
        return jsonify(error=str(exc)), 400
    return jsonify(applied=result.applied, saved_at=result.saved_at.isoformat(), seq=result.seq)


@bp.route("/attempts/<int:attempt_id>/page", methods=["POST"])
@login_only
def save_page(attempt_id: int):
    """The page's Save / Previous / Next / Finish buttons: save every answer of the page."""
    found = get_attempt_or_404(attempt_id)
    page = request.form.get("page", type=int)
    seq = request.form.get("seq", type=int)
    try:
        for slot in [s for s in found.slots if s.page == page]:
            _save_slot(found, slot, request.form, seq)
    except services.AttemptClosed as exc:
        flash(str(exc), "warning")
        return redirect(url_for("quizzes.review", attempt_id=found.id))
    action = request.form.get("action", "save")
    pages = sorted({s.page for s in found.slots})
    if action == "finish":
        return redirect(url_for("quizzes.summary", attempt_id=found.id))
    if action in ("next", "prev") and page in pages:
        index = pages.index(page) + (1 if action == "next" else -1)
        page = pages[max(0, min(index, len(pages) - 1))]
    elif request.form.get("goto", type=int) in pages:
        page = request.form.get("goto", type=int)
    else:
        flash(_("Your answers have been saved."), "success")
    return redirect(url_for("quizzes.attempt", attempt_id=found.id, page=page))


@bp.route("/attempts/<int:attempt_id>/summary")
@login_only
def summary(attempt_id: int):
    """Before submitting: which questions are answered."""
    found = get_attempt_or_404(attempt_id)
    if found.state != "in_progress" or services.finish_if_overdue(found):
        return redirect(url_for("quizzes.review", attempt_id=found.id))
    responses = services.current_responses(found)
    return render_template(
        "quizzes/summary.html",
        attempt=found,
        quiz=found.quiz,
        questions=_slot_views(found, found.slots, responses),
        now=clock.now(),
        button=ConfirmForm(),
    )


@bp.route("/attempts/<int:attempt_id>/submit", methods=["POST"])
@login_only
def submit(attempt_id: int):
    """Submit and grade the attempt (a second submit changes nothing)."""
    found = get_attempt_or_404(attempt_id)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    services.submit_attempt(found)
    return redirect(url_for("quizzes.review", attempt_id=found.id))


@bp.route("/attempts/<int:attempt_id>/review")
@login_only
def review(attempt_id: int):
    """A finished attempt, showing what the review options allow now."""
    found = get_attempt_or_404(attempt_id, allow_authors=True)
    if found.state == "in_progress" and not services.finish_if_overdue(found):
        return redirect(url_for("quizzes.attempt", attempt_id=found.id))
    db.session.refresh(found)
    allows = services.review_allows(found.quiz, found)
    if services.can_author(current_user) and found.user_id != current_user.id:
        allows = set(REVIEW_ITEMS)
    responses = services.current_responses(found)
    return render_template(
        "quizzes/review.html",
        attempt=found,
        quiz=found.quiz,
        allows=allows,
        questions=_slot_views(found, found.slots, responses, review=allows),
    )


# --- trainers: building quizzes -----------------------------------------------------------


@bp.route("/quizzes/manage")
@role_required(Role.TRAINER, Role.ADMIN)
def manage():
    """Every quiz, with its slots and attempts."""
    return render_template("quizzes/manage.html", rows=queries.authoring_list())


def _settings_from(form: QuizForm) -> dict:
    return {
        "title": form.title.data.strip(),
        "description": form.description.data or "",
        "is_published": form.is_published.data,
        "questions_per_page": form.questions_per_page.data,
        "shuffle_questions": form.shuffle_questions.data,
        "shuffle_choices": form.shuffle_choices.data,
        "open_at": clock.from_local(form.open_at.data),
        "close_at": clock.from_local(form.close_at.data),
        "time_limit_minutes": form.time_limit_minutes.data,
        "attempts_allowed": form.attempts_allowed.data,
        "grading_method": form.grading_method.data,
        "max_grade": float(form.max_grade.data),
        "pass_mark": float(form.pass_mark.data),
        "review_options": {
            time: [item for item in REVIEW_ITEMS if getattr(form, f"review_{time}_{item}").data]
            for time in REVIEW_TIMES
        },
    }


@bp.route("/quizzes/new", methods=["GET", "POST"])
@role_required(Role.TRAINER, Role.ADMIN)
def new():
    """Create a quiz."""
    form = QuizForm()
    if request.method == "GET":
        for time, items in default_review_options().items():
            for item in items:
                getattr(form, f"review_{time}_{item}").data = True
    if form.validate_on_submit():
        try:
            quiz = services.create_quiz(current_user, **_settings_from(form))
        except services.QuizError as exc:
            flash(str(exc), "danger")
        else:
            flash(_("Quiz created. Now add its questions."), "success")
            return redirect(url_for("quizzes.slots", quiz_id=quiz.id))
    return render_template("quizzes/form.html", form=form, quiz=None)


@bp.route("/quizzes/<int:quiz_id>/edit", methods=["GET", "POST"])
@role_required(Role.TRAINER, Role.ADMIN)
def edit(quiz_id: int):
    """Change a quiz's settings."""
    quiz = get_quiz_or_404(quiz_id)
    form = QuizForm(obj=quiz)
    if request.method == "GET":
        form.open_at.data = clock.to_local(quiz.open_at)
        form.close_at.data = clock.to_local(quiz.close_at)
        for time in REVIEW_TIMES:
            for item in REVIEW_ITEMS:
                getattr(form, f"review_{time}_{item}").data = item in (
                    quiz.review_options or {}
                ).get(time, [])
    if form.validate_on_submit():
        try:
            services.update_quiz(current_user, quiz, **_settings_from(form))
        except services.QuizError as exc:
            db.session.rollback()
            flash(str(exc), "danger")
        else:
            flash(_("Quiz saved."), "success")
            return redirect(url_for("quizzes.edit", quiz_id=quiz.id))
    return render_template("quizzes/form.html", form=form, quiz=quiz)


def _slot_forms(quiz: Quiz):
    fixed = FixedSlotForm(prefix="fixed")
    rand = RandomSlotForm(prefix="random")
    categories = db.session.scalars(select(Category).order_by(Category.full_name)).all()
    rand.category_id.choices = [SelectChoice(c.id, "\u2003" * c.depth + c.name) for c in categories]
    rand.competency.choices = [SelectChoice("", _("Any"))] + [
        SelectChoice(code, code) for code in COMPETENCY_CODES
    ]
    return fixed, rand


@bp.route("/quizzes/<int:quiz_id>/slots")
@role_required(Role.TRAINER, Role.ADMIN)
def slots(quiz_id: int):
    """The quiz's questions: fixed and random slots, marks, order."""
    quiz = get_quiz_or_404(quiz_id)
    fixed, rand = _slot_forms(quiz)
    found = services.search_questions(request.args.get("q", "")) if request.args.get("q") else []
    return render_template(
        "quizzes/slots.html",
        quiz=quiz,
        fixed=fixed,
        rand=rand,
        found=found,
        button=ConfirmForm(),
        available={s.id: services.count_candidates(s) for s in quiz.slots if s.kind == "random"},
    )


@bp.route("/quizzes/<int:quiz_id>/slots/fixed", methods=["POST"])
@role_required(Role.TRAINER, Role.ADMIN)
def add_fixed_slot(quiz_id: int):
    """Add a fixed question."""
    quiz = get_quiz_or_404(quiz_id)
    fixed, _rand = _slot_forms(quiz)
    if fixed.validate_on_submit():
        try:
            mark = float(fixed.mark.data) if fixed.mark.data is not None else None
            services.add_fixed_slot(current_user, quiz, fixed.question_key.data, mark)
        except services.QuizError as exc:
            db.session.rollback()
            flash(str(exc), "danger")
    else:
        flash(_("Give the id of a question."), "danger")
    return redirect(url_for("quizzes.slots", quiz_id=quiz.id))


@bp.route("/quizzes/<int:quiz_id>/slots/random", methods=["POST"])
@role_required(Role.TRAINER, Role.ADMIN)
def add_random_slot(quiz_id: int):
    """Add N random questions from a category."""
    quiz = get_quiz_or_404(quiz_id)
    _fixed, rand = _slot_forms(quiz)
    if rand.validate_on_submit():
        category = db.session.get(Category, rand.category_id.data)
        try:
            services.add_random_slot(
                current_user,
                quiz,
                category,
                draw_count=rand.draw_count.data,
                include_subcategories=rand.include_subcategories.data,
                competency=rand.competency.data or None,
                difficulty=int(rand.difficulty.data) if rand.difficulty.data else None,
                tag=rand.tag.data,
                mark=float(rand.mark.data),
            )
        except services.QuizError as exc:
            db.session.rollback()
            flash(str(exc), "danger")
    else:
        for errors in rand.errors.values():
            for error in errors:
                flash(error, "danger")
    return redirect(url_for("quizzes.slots", quiz_id=quiz.id))


@bp.route(
    "/quizzes/<int:quiz_id>/slots/<int:slot_id>/<any(remove, up, down):action>", methods=["POST"]
)
@role_required(Role.TRAINER, Role.ADMIN)
def slot_action(quiz_id: int, slot_id: int, action: str):
    """Remove a slot or move it up or down."""
    quiz = get_quiz_or_404(quiz_id)
    slot = db.session.get(QuizSlot, slot_id)
    if slot is None or slot.quiz_id != quiz.id:
        abort(404)
    if ConfirmForm().validate_on_submit():
        if action == "remove":
            services.remove_slot(current_user, quiz, slot)
        else:
            services.move_slot(current_user, quiz, slot, -1 if action == "up" else 1)
    return redirect(url_for("quizzes.slots", quiz_id=quiz.id))


@bp.route("/quizzes/<int:quiz_id>/audience", methods=["GET", "POST"])
@role_required(Role.TRAINER, Role.ADMIN)
def audience(quiz_id: int):
    """Who may take the quiz: departments (with subtrees), job roles, people."""
    quiz = get_quiz_or_404(quiz_id)
    form = AudienceForm()
    form.department_ids.choices = [
        SelectChoice(d.id, "\u2003" * d.depth + d.name) for d, _n in department_tree()
    ]
    form.job_role_ids.choices = [
        SelectChoice(j.id, f"{j.code} {j.display_name('zh')} / {j.name_en}")
        for j in db.session.scalars(select(JobRole).order_by(JobRole.id))
    ]
    if request.method == "GET":
        form.department_ids.data = [a.department_id for a in quiz.audience if a.department_id]
        form.job_role_ids.data = [a.job_role_id for a in quiz.audience if a.job_role_id]
        form.employee_numbers.data = "\n".join(
            a.user.employee_no for a in quiz.audience if a.user_id
        )
    if form.validate_on_submit():
        numbers = [
            n.strip()
            for n in (form.employee_numbers.data or "").replace(",", "\n").splitlines()
            if n.strip()
        ]
        people = db.session.scalars(select(User).where(User.employee_no.in_(numbers))).all()
        missing = sorted(set(numbers) - {p.employee_no for p in people})
        if missing:
            flash(_("Unknown employee numbers: %(list)s", list=", ".join(missing)), "danger")
        else:
            services.set_audience(
                current_user,
                quiz,
                department_ids=form.department_ids.data or [],
                job_role_ids=form.job_role_ids.data or [],
                user_ids=[p.id for p in people],
            )
            flash(_("Audience saved."), "success")
            return redirect(url_for("quizzes.audience", quiz_id=quiz.id))
    return render_template("quizzes/audience.html", quiz=quiz, form=form)


@bp.route("/quizzes/<int:quiz_id>/preview", methods=["POST"])
@role_required(Role.TRAINER, Role.ADMIN)
def preview(quiz_id: int):
    """Start a preview attempt (never counts; replaces the previous preview)."""
    quiz = get_quiz_or_404(quiz_id)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    try:
        attempt, _started = services.start_attempt(current_user, quiz, preview=True)
    except services.QuizError as exc:
        flash(str(exc), "danger")
        return redirect(url_for("quizzes.slots", quiz_id=quiz.id))
    return redirect(url_for("quizzes.attempt", attempt_id=attempt.id))


@bp.route("/quizzes/<int:quiz_id>/overrides", methods=["GET", "POST"])
@role_required(Role.TRAINER, Role.ADMIN)
def overrides(quiz_id: int):
    """Extra time, attempts or other dates for one person or one department."""
    quiz = get_quiz_or_404(quiz_id)
    form = OverrideForm()
    form.department_id.choices = [SelectChoice(0, "—")] + [
        SelectChoice(d.id, "\u2003" * d.depth + d.name) for d, _n in department_tree()
    ]
    if form.validate_on_submit():
        person = None
        if form.employee_no.data:
            person = db.session.scalar(
                select(User).where(User.employee_no == form.employee_no.data.strip())
            )
            if person is None:
                form.employee_no.errors.append(_("No person has this employee number."))
        department = db.session.get(Department, form.department_id.data or 0)
        if not form.employee_no.errors:
            try:
                services.set_override(
                    current_user,
                    quiz,
                    user=person,
                    department=department if person is None else None,
                    open_at=clock.from_local(form.open_at.data),
                    close_at=clock.from_local(form.close_at.data),
                    time_limit_minutes=form.time_limit_minutes.data,
                    attempts_allowed=form.attempts_allowed.data,
                )
            except services.QuizError as exc:
                db.session.rollback()
                flash(str(exc), "danger")
            else:
                flash(_("Override saved."), "success")
                return redirect(url_for("quizzes.overrides", quiz_id=quiz.id))
    rows = db.session.scalars(
        select(QuizOverride).where(QuizOverride.quiz_id == quiz.id).order_by(QuizOverride.id)
    ).all()
    return render_template(
        "quizzes/overrides.html", quiz=quiz, form=form, rows=rows, button=ConfirmForm()
    )


@bp.route("/quizzes/<int:quiz_id>/overrides/<int:override_id>/delete", methods=["POST"])
@role_required(Role.TRAINER, Role.ADMIN)
def delete_override(quiz_id: int, override_id: int):
    """Remove an override."""
    quiz = get_quiz_or_404(quiz_id)
    row = db.session.get(QuizOverride, override_id)
    if row is None or row.quiz_id != quiz.id:
        abort(404)
    if ConfirmForm().validate_on_submit():
        services.delete_override(current_user, quiz, row)
        flash(_("Override removed."), "success")
    return redirect(url_for("quizzes.overrides", quiz_id=quiz.id))


def department_choices():
    """Departments for filters."""
    return db.session.scalars(select(Department).order_by(Department.full_name)).all()
