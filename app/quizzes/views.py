"""Quiz pages: staff take quizzes; trainers build, preview and open them."""

from flask import abort, flash, jsonify, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from wtforms import SelectChoice

from app.bank import richtext
from app.bank.files import with_version_files
from app.bank.loaders import category_or_none
from app.bank.qtypes import QTYPES
from app.competencies import queries as competency_queries
from app.core import clock
from app.core.forms import ConfirmForm
from app.core.params import MAX_BIGINT, parse_int
from app.core.permissions import Role, can_author_quizzes, login_only, role_required
from app.core.uow import refresh
from app.org.loaders import department_or_none
from app.org.queries import department_choices, job_role_choices
from app.org.services import find_user
from app.quizzes import queries, services
from app.quizzes.blueprint import bp
from app.quizzes.forms import (
    AudienceForm,
    FixedSlotForm,
    OverrideForm,
    QuizForm,
    RandomSlotForm,
)
from app.quizzes.loaders import (
    get_attempt_or_404,
    get_attempt_slot_or_404,
    get_override_or_404,
    get_quiz_or_404,
    get_slot_or_404,
    get_visible_quiz_or_404,
)
from app.quizzes.models import REVIEW_ITEMS, REVIEW_TIMES, Attempt, default_review_options

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
    settings = queries.effective_settings(quiz, current_user)
    return render_template(
        "quizzes/view.html",
        quiz=quiz,
        settings=settings,
        attempts=attempts,
        left=queries.attempts_left(quiz, used, settings),
        is_open=queries.is_open(quiz, clock.now(), settings),
        in_audience=queries.in_audience(current_user, quiz),
        grade=queries.quiz_grade(quiz, current_user),
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
        label = _("Question %(n)d", n=slot.number)
        if review is None:
            body = qtype.render_answer(
                version.data,
                response,
                slot.choice_order,
                f"q{slot.number}",
                textformat=version.questiontextformat,
                questiontext=version.questiontext,
                question_label=label,
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
                questiontext=version.questiontext,
                question_label=label,
            )
            feedback = (
                richtext.render(
                    version.generalfeedback,
                    version.generalfeedbackformat or version.questiontextformat,
                )
                if "feedback" in review and version.generalfeedback
                else ""
            )
        text = qtype.text_html(version.questiontext, version.questiontextformat)
        # Images embedded in the question (@@PLUGINFILE@@) come from the version's files.
        views.append(
            {
                "slot": slot,
                "qtype": version.qtype,
                "text": richtext.as_markup(with_version_files(text, version.id)),
                "body": richtext.as_markup(with_version_files(body, version.id)),
                "feedback": richtext.as_markup(with_version_files(feedback, version.id)),
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
    responses = queries.current_responses(found)
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


def _seq_from(form) -> tuple[int | None, bool]:
    """The save's sequence number (milliseconds-based, so past 32 bits) and whether it is valid.

    Absent is valid (None); anything but digits within the column's 64 bits is not.
    """
    raw = form.get("seq")
    if raw in (None, ""):
        return None, True
    seq = parse_int(raw, maximum=MAX_BIGINT)
    return seq, seq is not None


@bp.route("/attempts/<int:attempt_id>/save", methods=["POST"])
@login_only
def save(attempt_id: int):
    """Autosave of one answer (the page's script): JSON in the body's form fields, JSON out.

    The hottest request on exam day: the person (with their roles), then the attempt, its slot
    and the question in one query, then the save's lock, newest-step read and insert."""
    slot_number = request.form.get("slot", type=int)
    seq, seq_ok = _seq_from(request.form)
    if slot_number is None or not seq_ok:
        get_attempt_or_404(attempt_id, with_questions=False)  # another's attempt: 404/403 first
        if slot_number is None:
            return jsonify(error=_("No question given.")), 400
        return jsonify(error=_("The save carried an invalid sequence number.")), 400
    try:
        found, slot = get_attempt_slot_or_404(attempt_id, slot_number)
        result = _save_slot(found, slot, request.form, seq)
    except services.AttemptClosed as exc:
        return jsonify(
            error=str(exc),
            state="finished",
            review_url=url_for("quizzes.review", attempt_id=attempt_id),
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
    seq, seq_ok = _seq_from(request.form)
    if not seq_ok:
        abort(400)
    try:
        for slot in [s for s in found.slots if s.page == page]:
            _save_slot(found, slot, request.form, seq)
    except services.AttemptClosed as exc:
        flash(str(exc), "warning")
        return redirect(url_for("quizzes.review", attempt_id=found.id))
    except services.QuizError as exc:  # an answer too long to keep: nothing of it was saved
        flash(str(exc), "danger")
        return redirect(url_for("quizzes.attempt", attempt_id=found.id, page=page))
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
    responses = queries.current_responses(found)
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
    refresh(found)
    allows = queries.review_allows(found.quiz, found)
    if can_author_quizzes(current_user) and found.user_id != current_user.id:
        allows = set(REVIEW_ITEMS)
    responses = queries.current_responses(found)
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
            flash(str(exc), "danger")
        else:
            flash(_("Quiz saved."), "success")
            return redirect(url_for("quizzes.edit", quiz_id=quiz.id))
    return render_template(
        "quizzes/form.html", form=form, quiz=quiz, unready=queries.unready_fixed_questions(quiz)
    )


def _slot_forms():
    fixed = FixedSlotForm(prefix="fixed")
    rand = RandomSlotForm(prefix="random")
    rand.category_id.choices = [
        SelectChoice(c.id, "\u2003" * c.depth + c.name) for c in queries.categories_by_name()
    ]
    rand.competency.choices = competency_queries.competency_choices(blank=_("Any"))
    return fixed, rand


@bp.route("/quizzes/<int:quiz_id>/slots")
@role_required(Role.TRAINER, Role.ADMIN)
def slots(quiz_id: int):
    """The quiz's questions: fixed and random slots, marks, order; a search whose results are
    added by clicking (each, or the ticked ones)."""
    quiz = get_quiz_or_404(quiz_id)
    fixed, rand = _slot_forms()
    searched = "q" in request.args or "category" in request.args
    search_category = category_or_none(request.args.get("category", type=int))
    found = queries.search_questions(request.args.get("q", ""), search_category) if searched else []
    return render_template(
        "quizzes/slots.html",
        quiz=quiz,
        fixed=fixed,
        rand=rand,
        found=found,
        searched=searched,
        search_category=search_category,
        categories=queries.categories_by_name(),
        in_quiz={s.question_id for s in quiz.slots if s.kind == "fixed"},
        versions=queries.fixed_slot_versions(quiz),
        unready=queries.unready_fixed_questions(quiz),
        button=ConfirmForm(),
        available={s.id: queries.count_candidates(s) for s in quiz.slots if s.kind == "random"},
    )


def _warn_if_unready(quiz, added) -> None:
    """Say so when a question just added is not ready (a draft staff should not meet yet)."""
    unready = [slot.question for slot in added if slot.question.status != "ready"]
    if not unready:
        return
    keys = ", ".join(question.key for question in unready)
    if quiz.is_published:
        message = _(
            "This quiz is published but %(keys)s is not ready yet: staff will meet it as it "
            "is. Mark it ready in the question bank, or remove it.",
            keys=keys,
        )
    else:
        message = _(
            "%(keys)s is not ready yet: the quiz can be published once it is marked ready in "
            "the question bank.",
            keys=keys,
        )
    flash(message, "warning")


@bp.route("/quizzes/<int:quiz_id>/slots/found", methods=["POST"])
@role_required(Role.TRAINER, Role.ADMIN)
def add_found(quiz_id: int):
    """Add questions from the search results: the one whose button was clicked, or every
    ticked one ("add selected")."""
    quiz = get_quiz_or_404(quiz_id)
    back = url_for("quizzes.slots", quiz_id=quiz.id, **_search_args())
    if not ConfirmForm().validate_on_submit():
        flash(_("The form expired; try again."), "danger")
        return redirect(back)
    clicked = request.form.get("add")
    keys = [clicked] if clicked else request.form.getlist("keys")
    try:
        added, refused = services.add_fixed_slots(current_user, quiz, keys)
    except services.QuizError as exc:
        flash(str(exc), "danger")
        return redirect(back)
    if added:
        flash(_("%(n)d question(s) added.", n=len(added)), "success")
        _warn_if_unready(quiz, added)
    for message in refused:
        flash(message, "danger")
    return redirect(back)


def _search_args() -> dict:
    """The quiz builder's search (text and category), carried back after adding."""
    return {
        name: request.form.get(name)
        for name in ("q", "category")
        if request.form.get(name) is not None
    }


@bp.route("/quizzes/<int:quiz_id>/slots/fixed", methods=["POST"])
@role_required(Role.TRAINER, Role.ADMIN)
def add_fixed_slot(quiz_id: int):
    """Add a fixed question."""
    quiz = get_quiz_or_404(quiz_id)
    fixed, _rand = _slot_forms()
    if fixed.validate_on_submit():
        try:
            mark = float(fixed.mark.data) if fixed.mark.data is not None else None
            slot = services.add_fixed_slot(current_user, quiz, fixed.question_key.data, mark)
        except services.QuizError as exc:
            flash(str(exc), "danger")
        else:
            _warn_if_unready(quiz, [slot])
    else:
        flash(_("Give the id of a question."), "danger")
    return redirect(url_for("quizzes.slots", quiz_id=quiz.id))


@bp.route("/quizzes/<int:quiz_id>/slots/random", methods=["POST"])
@role_required(Role.TRAINER, Role.ADMIN)
def add_random_slot(quiz_id: int):
    """Add N random questions from a category."""
    quiz = get_quiz_or_404(quiz_id)
    _fixed, rand = _slot_forms()
    if rand.validate_on_submit():
        category = category_or_none(rand.category_id.data)
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
    slot = get_slot_or_404(quiz, slot_id)
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
    form.department_ids.choices = department_choices(blank=None)
    form.job_role_ids.choices = job_role_choices(blank=None)
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
        people = queries.people_by_employee_no(numbers)
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
    form.department_id.choices = department_choices()
    if form.validate_on_submit():
        person = None
        if form.employee_no.data:
            person = find_user(form.employee_no.data)
            if person is None:
                form.employee_no.errors.append(_("No person has this employee number."))
        department = department_or_none(form.department_id.data)
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
                flash(str(exc), "danger")
            else:
                flash(_("Override saved."), "success")
                return redirect(url_for("quizzes.overrides", quiz_id=quiz.id))
    return render_template(
        "quizzes/overrides.html",
        quiz=quiz,
        form=form,
        rows=queries.overrides_of(quiz),
        button=ConfirmForm(),
    )


@bp.route("/quizzes/<int:quiz_id>/overrides/<int:override_id>/delete", methods=["POST"])
@role_required(Role.TRAINER, Role.ADMIN)
def delete_override(quiz_id: int, override_id: int):
    """Remove an override."""
    quiz = get_quiz_or_404(quiz_id)
    row = get_override_or_404(quiz, override_id)
    if ConfirmForm().validate_on_submit():
        services.delete_override(current_user, quiz, row)
        flash(_("Override removed."), "success")
    return redirect(url_for("quizzes.overrides", quiz_id=quiz.id))
