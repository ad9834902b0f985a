"""Course pages for trainers and HR: the course list, authoring courses and their activities and
files, attendance, a course's statistics and its assignment rules."""

from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from wtforms import SelectChoice

from app.competencies import queries as competency_queries
from app.core import clock
from app.core.errors import DomainError
from app.core.forms import ConfirmForm
from app.core.pagination import paginate
from app.core.permissions import Role, role_required
from app.courses import queries, services
from app.courses.blueprint import bp
from app.courses.forms import (
    ActivityForm,
    AttendanceForm,
    CourseForm,
    RuleForm,
    UploadForm,
)
from app.courses.loaders import get_activity_or_404, get_course_or_404, get_rule_or_404
from app.courses.models import ACTIVITY_KINDS, ENROLMENT_STATUSES
from app.org import queries as org_queries
from app.org.loaders import department_or_none, job_role_or_none
from app.org.services import find_user

AUTHORS = (Role.TRAINER, Role.ADMIN)
ASSIGNERS = (Role.TRAINER, Role.HR, Role.ADMIN)


def _flash_errors(form) -> None:
    for errors in form.errors.values():
        for error in errors:
            flash(error, "danger")


def _activity_choices(course) -> list[SelectChoice]:
    """The course's live activities as choices, with a blank first (a file for the course)."""
    return [SelectChoice(0, "—")] + [SelectChoice(a.id, a.title) for a in course.live_activities]


# --- authoring ------------------------------------------------------------------------------


@bp.route("/courses/manage")
@role_required(*ASSIGNERS)
def manage():
    """Every course with its enrolment numbers, for trainers and HR."""
    status = request.args.get("status") or None
    search = request.args.get("q", "")
    page = paginate(
        queries.course_list(status=status, search=search),
        request.args.get("page", 1, type=int),
        current_app.config["PAGE_SIZE"],
    )
    return render_template(
        "courses/manage.html",
        page=page,
        counts=queries.status_counts([c.id for c in page.items]),
        status=status,
        search=search,
    )


def _course_form(obj=None, keep: tuple[str, ...] = ()) -> CourseForm:
    """The course form with the framework's competencies and the 1–5 levels to pick from."""
    form = CourseForm(obj=obj) if obj is not None else CourseForm()
    names = competency_queries.level_names()
    form.fill_competency_choices(
        competency_queries.competency_choices(blank="—", keep=keep),
        [SelectChoice(n, f"{n} {names.get(n, '')}".strip()) for n in range(1, 6)],
    )
    return form


def _course_changes(form: CourseForm) -> dict:
    return {
        "title": form.title.data,
        "summary": form.summary.data or "",
        "category": form.category.data or "",
        "credit_hours": form.credit_hours.data,
        "competencies": form.chosen_competencies(),
        "is_open": form.is_open.data,
        "completion_rule": form.completion_rule.data,
    }


@bp.route("/courses/new", methods=["GET", "POST"])
@role_required(*AUTHORS)
def new():
    """Create a draft course."""
    form = _course_form()
    if form.validate_on_submit():
        try:
            course = services.create_course(current_user, **_course_changes(form))
        except DomainError as exc:
            flash(str(exc), "danger")
        else:
            flash(_("Course created. Add its activities."), "success")
            return redirect(url_for("courses.edit", course_id=course.id))
    return render_template("courses/course_form.html", form=form, course=None)


@bp.route("/courses/<int:course_id>/edit", methods=["GET", "POST"])
@role_required(*AUTHORS)
def edit(course_id: int):
    """Edit a course: its description, activities and files; publish it."""
    course = get_course_or_404(course_id, with_files=True)
    form = _course_form(obj=course, keep=tuple(course.competencies))
    if request.method == "GET":
        form.set_competencies(course.competencies)
    if form.validate_on_submit():
        try:
            services.update_course(current_user, course, **_course_changes(form))
        except DomainError as exc:
            flash(str(exc), "danger")
        else:
            flash(_("Course saved."), "success")
            return redirect(url_for("courses.edit", course_id=course.id))
    upload = UploadForm()
    upload.activity_id.choices = _activity_choices(course)
    return render_template(
        "courses/course_form.html",
        form=form,
        course=course,
        upload=upload,
        files=queries.files_of(course),
        kinds=ACTIVITY_KINDS,
        confirm=ConfirmForm(),
    )


@bp.route("/courses/<int:course_id>/publish", methods=["POST"])
@role_required(*AUTHORS)
def publish(course_id: int):
    """Publish a draft course; its assignment rules start applying."""
    course = get_course_or_404(course_id)
    if ConfirmForm().validate_on_submit():
        try:
            services.publish_course(current_user, course)
        except DomainError as exc:
            flash(str(exc), "danger")
        else:
            flash(_("Course published."), "success")
    return redirect(url_for("courses.edit", course_id=course.id))


def _quiz_choices(form: ActivityForm) -> None:
    """Offer the quizzes by title (a quiz activity is completed by passing it)."""
    if getattr(form, "quiz_id", None) is None:
        return
    form.quiz_id.choices = [SelectChoice(0, "—")] + [
        SelectChoice(quiz.id, quiz.title) for quiz in queries.quizzes_by_title()
    ]


def _activity_changes(form: ActivityForm, kind: str) -> dict:
    changes = {
        "title": form.title.data,
        "body": form.body.data or "",
        "is_required": form.is_required.data,
    }
    if kind == "quiz":
        changes["quiz_id"] = form.quiz_id.data or None
    if kind == "session":
        changes["starts_at"] = clock.from_local(form.starts_at.data)
        changes["ends_at"] = clock.from_local(form.ends_at.data)
        changes["place"] = form.place.data or None
    return changes


@bp.route("/courses/<int:course_id>/activities/new/<kind>", methods=["GET", "POST"])
@role_required(*AUTHORS)
def activity_new(course_id: int, kind: str):
    """Add a lesson, quiz or offline session to a course."""
    course = get_course_or_404(course_id)
    if kind not in ACTIVITY_KINDS:
        abort(404)
    form = ActivityForm()
    form.keep_fields_for(kind)
    _quiz_choices(form)
    if form.validate_on_submit():
        try:
            services.add_activity(current_user, course, kind=kind, **_activity_changes(form, kind))
        except DomainError as exc:
            flash(str(exc), "danger")
        else:
            flash(_("Activity added."), "success")
            return redirect(url_for("courses.edit", course_id=course.id))
    return render_template(
        "courses/activity_form.html", form=form, course=course, activity=None, kind=kind
    )


@bp.route("/courses/<int:course_id>/activities/<int:activity_id>/edit", methods=["GET", "POST"])
@role_required(*AUTHORS)
def activity_edit(course_id: int, activity_id: int):
    """Edit an activity; learners' progress on it is kept."""
    course = get_course_or_404(course_id)
    item = get_activity_or_404(course, activity_id)
    form = ActivityForm(obj=item)
    form.keep_fields_for(item.kind)
    _quiz_choices(form)
    if request.method == "GET" and item.kind == "session":
        form.starts_at.data = clock.to_local(item.starts_at)
        form.ends_at.data = clock.to_local(item.ends_at)
    if form.validate_on_submit():
        try:
            services.update_activity(current_user, item, **_activity_changes(form, item.kind))
        except DomainError as exc:
            flash(str(exc), "danger")
        else:
            flash(_("Activity saved."), "success")
            return redirect(url_for("courses.edit", course_id=course.id))
    return render_template(
        "courses/activity_form.html", form=form, course=course, activity=item, kind=item.kind
    )


@bp.route(
    "/courses/<int:course_id>/activities/<int:activity_id>/move/<direction>", methods=["POST"]
)
@role_required(*AUTHORS)
def activity_move(course_id: int, activity_id: int, direction: str):
    """Move an activity up or down."""
    course = get_course_or_404(course_id)
    item = get_activity_or_404(course, activity_id)
    if direction not in ("up", "down"):
        abort(404)
    if ConfirmForm().validate_on_submit() and item.retired_at is None:
        services.move_activity(current_user, item, -1 if direction == "up" else 1)
    return redirect(url_for("courses.edit", course_id=course.id))


@bp.route("/courses/<int:course_id>/activities/<int:activity_id>/retire", methods=["POST"])
@role_required(*AUTHORS)
def activity_retire(course_id: int, activity_id: int):
    """Remove an activity (kept for learners' records once anybody made progress on it)."""
    course = get_course_or_404(course_id)
    item = get_activity_or_404(course, activity_id)
    if ConfirmForm().validate_on_submit():
        services.retire_activity(current_user, item)
        flash(_("Activity removed."), "success")
    return redirect(url_for("courses.edit", course_id=course.id))


@bp.route("/courses/<int:course_id>/files", methods=["POST"])
@role_required(*AUTHORS)
def upload(course_id: int):
    """Upload an image, PDF or MP4 to a course."""
    course = get_course_or_404(course_id)
    form = UploadForm()
    form.activity_id.choices = _activity_choices(course)
    if form.validate_on_submit():
        target = None
        if form.activity_id.data:
            target = get_activity_or_404(course, form.activity_id.data)
        try:
            stored = services.add_file(
                current_user, course, form.file.data.filename or "", form.file.data.read(), target
            )
        except DomainError as exc:
            flash(str(exc), "danger")
        else:
            flash(_("File %(name)s uploaded.", name=stored.filename), "success")
    else:
        _flash_errors(form)
    return redirect(url_for("courses.edit", course_id=course.id))


@bp.route(
    "/courses/<int:course_id>/activities/<int:activity_id>/attendance", methods=["GET", "POST"]
)
@role_required(*AUTHORS)
def attendance(course_id: int, activity_id: int):
    """Record who attended an offline session."""
    course = get_course_or_404(course_id)
    item = get_activity_or_404(course, activity_id)
    if item.kind != "session":
        abort(404)
    learners = queries.current_learners(course)
    progress = queries.progress_map([e.id for e in learners])
    form = AttendanceForm()
    form.attended.choices = [
        SelectChoice(e.user_id, f"{e.user.employee_no} {e.user.name}") for e in learners
    ]
    if request.method == "GET":
        form.attended.data = [
            e.user_id
            for e in learners
            if getattr(progress.get((e.id, item.id)), "status", None) == "attended"
        ]
    if form.validate_on_submit():
        attended = set(form.attended.data or [])
        absent = {e.user_id for e in learners} - attended
        services.record_attendance(current_user, item, attended, absent)
        flash(_("Attendance saved."), "success")
        return redirect(url_for("courses.attendance", course_id=course.id, activity_id=item.id))
    return render_template(
        "courses/attendance.html", course=course, activity=item, form=form, learners=learners
    )


@bp.route("/courses/<int:course_id>/stats")
@role_required(*ASSIGNERS)
def stats(course_id: int):
    """Enrolled, started, completed and overdue learners of a course, with their progress."""
    course = get_course_or_404(course_id)
    status = request.args.get("status")
    page = paginate(
        queries.learners_of(course, status=status),
        request.args.get("page", 1, type=int),
        current_app.config["PAGE_SIZE"],
    )
    now = clock.now()
    return render_template(
        "courses/stats.html",
        course=course,
        stats=queries.course_stats(course),
        page=page,
        rows=[(e, services.status_of(e, now)) for e in page.items],
        progress=queries.progress_map([e.id for e in page.items]),
        status=status,
        statuses=ENROLMENT_STATUSES,
    )


# --- assigning ------------------------------------------------------------------------------


@bp.route("/courses/<int:course_id>/rules", methods=["GET", "POST"])
@role_required(*ASSIGNERS)
def rules(course_id: int):
    """A course's assignment rules, and a form to add one."""
    course = get_course_or_404(course_id)
    form = RuleForm()
    form.department_id.choices = org_queries.department_choices()
    form.job_role_id.choices = org_queries.job_role_choices()
    if form.validate_on_submit():
        person = None
        if form.target_kind.data == "user":
            person = find_user(form.employee_no.data)
        try:
            services.create_rule(
                current_user,
                course,
                target_kind=form.target_kind.data,
                user=person,
                department=department_or_none(form.department_id.data),
                job_role=job_role_or_none(form.job_role_id.data),
                due_kind=form.due_kind.data,
                due_on=form.due_on.data,
                due_days=form.due_days.data,
                is_mandatory=form.is_mandatory.data,
                recert_months=form.recert_months.data,
            )
        except DomainError as exc:
            flash(str(exc), "danger")
        else:
            flash(_("Assignment rule added."), "success")
            return redirect(url_for("courses.rules", course_id=course.id))
    return render_template(
        "courses/rules.html",
        course=course,
        form=form,
        rules=queries.rules_of(course),
        confirm=ConfirmForm(),
        counts=queries.status_counts([course.id])[course.id],
    )


@bp.route("/courses/rules/<int:rule_id>/delete", methods=["POST"])
@role_required(*ASSIGNERS)
def rule_delete(rule_id: int):
    """Stop an assignment rule."""
    rule = get_rule_or_404(rule_id)
    if ConfirmForm().validate_on_submit():
        services.delete_rule(current_user, rule)
        flash(_("Assignment rule removed."), "success")
    return redirect(url_for("courses.rules", course_id=rule.course_id))
