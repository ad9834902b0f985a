"""Course pages: my learning, the catalogue, learning a course, authoring, assigning,
attendance, statistics, team and hours overviews, certificates and their public verification."""

import io

from flask import (
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    send_file,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select
from wtforms import SelectChoice

from app.bank import richtext
from app.bank.qtypes import COMPETENCY_CODES
from app.core import clock
from app.core.errors import DomainError
from app.core.forms import ConfirmForm
from app.core.i18n import select_locale
from app.core.pagination import paginate
from app.core.permissions import (
    Role,
    can_view_people,
    can_view_user,
    guarded_by,
    has_role,
    login_only,
    public,
    role_required,
)
from app.courses import bp, queries, services
from app.courses.forms import (
    ActivityForm,
    AttendanceForm,
    CourseForm,
    QuotaForm,
    RuleForm,
    UploadForm,
    format_competencies,
    parse_competencies,
)
from app.courses.models import (
    ACTIVITY_KINDS,
    ENROLMENT_STATUSES,
    Activity,
    AssignmentRule,
    Certificate,
    CourseFile,
)
from app.extensions import db
from app.notify.queries import unread_count
from app.org import queries as org_queries
from app.org.models import Department, JobRole, User

AUTHORS = (Role.TRAINER, Role.ADMIN)
ASSIGNERS = (Role.TRAINER, Role.HR, Role.ADMIN)


# --- loaders --------------------------------------------------------------------------------


def get_course_or_404(course_id: int, *, with_files: bool = False):
    """Load a course, or 404."""
    course = queries.course_by_id(course_id, with_files=with_files)
    if course is None:
        abort(404)
    return course


def get_activity_or_404(course, activity_id: int) -> Activity:
    """Load an activity of ``course``, or 404."""
    activity = db.session.get(Activity, activity_id)
    if activity is None or activity.course_id != course.id:
        abort(404)
    return activity


def _is_author(user) -> bool:
    return has_role(user, *AUTHORS)


def _learner_enrolment(course):
    """The viewer's current enrolment, after checking the viewer may open the course (or 403)."""
    enrolment = services.current_enrolment(current_user, course)
    if enrolment is not None and enrolment.withdrawn_at is not None:
        enrolment = None
    if enrolment is None and not _is_author(current_user) and not course.is_open:
        abort(403)
    if enrolment is None and not _is_author(current_user) and not course.is_published:
        abort(403)
    return enrolment


def _flash_errors(form) -> None:
    for errors in form.errors.values():
        for error in errors:
            flash(error, "danger")


# --- learners -------------------------------------------------------------------------------


@bp.route("/courses/my")
@login_only
def my_learning():
    """My assignments by status, certificates, hours against quota and notices."""
    now = clock.now()
    enrolments = queries.my_enrolments(current_user)
    year = services.local_today(now).year
    earned, quota = queries.hours_of(current_user, year)
    current, history = [], []
    for enrolment in enrolments:
        status = services.status_of(enrolment, now)
        (history if enrolment.superseded_at else current).append((enrolment, status))
    groups = {name: [] for name in ("overdue", "due", "in_progress", "done")}
    for enrolment, status in current:
        if status == "overdue":
            groups["overdue"].append((enrolment, status))
        elif status == "not_started":
            groups["due"].append((enrolment, status))
        elif status == "in_progress":
            groups["in_progress"].append((enrolment, status))
        else:
            groups["done"].append((enrolment, status))
    return render_template(
        "courses/my_learning.html",
        groups=groups,
        history=history,
        certificates=[e.certificate for e in enrolments if e.certificate is not None],
        earned=earned,
        quota=quota,
        year=year,
        now=now,
        unread=unread_count(current_user),
    )


@bp.route("/courses/catalogue")
@login_only
def catalogue():
    """Open courses anyone may enrol in."""
    page = paginate(
        queries.catalogue(), request.args.get("page", 1, type=int), current_app.config["PAGE_SIZE"]
    )
    return render_template(
        "courses/catalogue.html",
        page=page,
        enrolled=queries.enrolled_course_ids(current_user),
        form=ConfirmForm(),
    )


@bp.route("/courses/<int:course_id>/enrol", methods=["POST"])
@login_only
def enrol(course_id: int):
    """Enrol myself in an open course."""
    course = get_course_or_404(course_id)
    if ConfirmForm().validate_on_submit():
        try:
            services.self_enrol(current_user, course)
        except DomainError as exc:
            db.session.rollback()
            flash(str(exc), "danger")
            return redirect(url_for("courses.catalogue"))
        flash(_("You are enrolled in %(course)s.", course=course.title), "success")
    return redirect(url_for("courses.learn", course_id=course.id))


@bp.route("/courses/<int:course_id>/learn")
@login_only
def learn(course_id: int):
    """A course as its learner sees it: activities and my progress on each."""
    course = get_course_or_404(course_id, with_files=True)
    enrolment = _learner_enrolment(course)
    progress = queries.progress_of(enrolment) if enrolment else {}
    return render_template(
        "courses/learn.html",
        course=course,
        enrolment=enrolment,
        status=services.status_of(enrolment) if enrolment else None,
        progress=progress,
        summary=richtext.as_markup(richtext.render(course.summary)),
        form=ConfirmForm(),
    )


@bp.route("/courses/<int:course_id>/activities/<int:activity_id>")
@login_only
def activity(course_id: int, activity_id: int):
    """One lesson, quiz or offline session of a course."""
    course = get_course_or_404(course_id, with_files=True)
    item = get_activity_or_404(course, activity_id)
    enrolment = _learner_enrolment(course)
    if item.retired_at is not None and not _is_author(current_user):
        abort(404)
    progress = queries.progress_of(enrolment).get(item.id) if enrolment else None
    return render_template(
        "courses/activity.html",
        course=course,
        activity=item,
        enrolment=enrolment,
        progress=progress,
        body=richtext.as_markup(richtext.render(item.body)),
        form=ConfirmForm(),
    )


@bp.route("/courses/<int:course_id>/activities/<int:activity_id>/done", methods=["POST"])
@login_only
def complete_lesson(course_id: int, activity_id: int):
    """Record that I have read a lesson."""
    course = get_course_or_404(course_id)
    item = get_activity_or_404(course, activity_id)
    if ConfirmForm().validate_on_submit():
        try:
            enrolment = services.mark_lesson_viewed(current_user, item)
        except DomainError as exc:
            db.session.rollback()
            flash(str(exc), "danger")
        else:
            if enrolment.completed_at is not None:
                flash(_("Course completed. Your certificate is ready."), "success")
            else:
                flash(_("Lesson marked as read."), "success")
    return redirect(url_for("courses.learn", course_id=course.id))


@bp.route("/courses/files/<int:file_id>")
@login_only
def file(file_id: int):
    """A course file, with range requests (videos seek, PDFs load by parts)."""
    stored = db.session.get(CourseFile, file_id)
    if stored is None:
        abort(404)
    course = get_course_or_404(stored.course_id)
    if not _is_author(current_user):
        _learner_enrolment(course)
    try:
        source = services.file_source(stored)
    except DomainError:
        abort(404)
    return send_file(
        source,
        mimetype=stored.content_type,
        download_name=stored.filename,
        conditional=True,
        etag=stored.sha256,
        last_modified=stored.uploaded_at,
        max_age=3600,
    )


@bp.route("/courses/certificates/<int:certificate_id>.pdf")
@login_only
def certificate_pdf(certificate_id: int):
    """A certificate as PDF, for its holder and those who may see the holder."""
    certificate = db.session.get(Certificate, certificate_id)
    if certificate is None:
        abort(404)
    holder = db.session.get(User, certificate.user_id)
    if holder is None or not can_view_user(current_user, holder):
        abort(403)
    pdf = services.certificate_pdf(certificate, holder.locale or select_locale())
    return send_file(
        io.BytesIO(pdf),
        mimetype="application/pdf",
        as_attachment=True,
        download_name=f"certificate-{certificate.employee_no}-{certificate.id}.pdf",
    )


@bp.route("/verify/<code>")
@public
def verify(code: str):
    """Public check of a certificate code: valid or not, and nothing more."""
    certificate = services.certificate_by_code(code)
    if certificate is None:
        page = render_template("courses/verify.html", certificate=None, valid=False)
        return page, 404
    return render_template(
        "courses/verify.html",
        certificate=certificate,
        valid=certificate.is_valid_at(clock.now()),
    )


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


def _course_changes(form: CourseForm) -> dict:
    return {
        "title": form.title.data,
        "summary": form.summary.data or "",
        "category": form.category.data or "",
        "credit_hours": form.credit_hours.data,
        "competencies": parse_competencies(form.competencies.data),
        "is_open": form.is_open.data,
        "completion_rule": form.completion_rule.data,
    }


@bp.route("/courses/new", methods=["GET", "POST"])
@role_required(*AUTHORS)
def new():
    """Create a draft course."""
    form = CourseForm()
    if form.validate_on_submit():
        try:
            course = services.create_course(current_user, **_course_changes(form))
        except DomainError as exc:
            db.session.rollback()
            flash(str(exc), "danger")
        else:
            flash(_("Course created. Add its activities."), "success")
            return redirect(url_for("courses.edit", course_id=course.id))
    return render_template(
        "courses/course_form.html", form=form, course=None, codes=COMPETENCY_CODES
    )


@bp.route("/courses/<int:course_id>/edit", methods=["GET", "POST"])
@role_required(*AUTHORS)
def edit(course_id: int):
    """Edit a course: its description, activities and files; publish it."""
    course = get_course_or_404(course_id, with_files=True)
    form = CourseForm(obj=course)
    if request.method == "GET":
        form.competencies.data = format_competencies(course.competencies)
    if form.validate_on_submit():
        try:
            services.update_course(current_user, course, **_course_changes(form))
        except DomainError as exc:
            db.session.rollback()
            flash(str(exc), "danger")
        else:
            flash(_("Course saved."), "success")
            return redirect(url_for("courses.edit", course_id=course.id))
    upload = UploadForm()
    upload.activity_id.choices = [SelectChoice(0, "—")] + [
        SelectChoice(a.id, a.title) for a in course.live_activities
    ]
    files = db.session.scalars(
        select(CourseFile).where(CourseFile.course_id == course.id).order_by(CourseFile.id)
    ).all()
    return render_template(
        "courses/course_form.html",
        form=form,
        course=course,
        codes=COMPETENCY_CODES,
        upload=upload,
        files=files,
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
            db.session.rollback()
            flash(str(exc), "danger")
        else:
            flash(_("Course published."), "success")
    return redirect(url_for("courses.edit", course_id=course.id))


def _quiz_choices(form: ActivityForm) -> None:
    """Offer the quizzes by title (a quiz activity is completed by passing it)."""
    if getattr(form, "quiz_id", None) is None:
        return
    from app.quizzes.models import Quiz

    form.quiz_id.choices = [SelectChoice(0, "—")] + [
        SelectChoice(quiz.id, quiz.title)
        for quiz in db.session.scalars(select(Quiz).order_by(Quiz.title))
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
            db.session.rollback()
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
            db.session.rollback()
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
    form.activity_id.choices = [SelectChoice(0, "—")] + [
        SelectChoice(a.id, a.title) for a in course.live_activities
    ]
    if form.validate_on_submit():
        target = None
        if form.activity_id.data:
            target = get_activity_or_404(course, form.activity_id.data)
        try:
            stored = services.add_file(
                current_user, course, form.file.data.filename or "", form.file.data.read(), target
            )
        except DomainError as exc:
            db.session.rollback()
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
    learners = db.session.scalars(queries.learners_of(course)).unique().all()
    learners = [e for e in learners if e.withdrawn_at is None]
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


def _fill_rule_choices(form: RuleForm) -> None:
    form.department_id.choices = [SelectChoice(0, "—")] + [
        SelectChoice(d.id, "\u2003" * d.depth + d.name) for d, _n in org_queries.department_tree()
    ]
    locale = select_locale()
    form.job_role_id.choices = [SelectChoice(0, "—")] + [
        SelectChoice(j.id, f"{j.code} {j.display_name(locale)}")
        for j in db.session.scalars(select(JobRole).order_by(JobRole.id))
    ]


@bp.route("/courses/<int:course_id>/rules", methods=["GET", "POST"])
@role_required(*ASSIGNERS)
def rules(course_id: int):
    """A course's assignment rules, and a form to add one."""
    course = get_course_or_404(course_id)
    form = RuleForm()
    _fill_rule_choices(form)
    if form.validate_on_submit():
        person = None
        if form.target_kind.data == "user" and form.employee_no.data:
            person = db.session.scalar(
                select(User).where(User.employee_no == form.employee_no.data.strip())
            )
        try:
            services.create_rule(
                current_user,
                course,
                target_kind=form.target_kind.data,
                user=person,
                department=db.session.get(Department, form.department_id.data or 0),
                job_role=db.session.get(JobRole, form.job_role_id.data or 0),
                due_kind=form.due_kind.data,
                due_on=form.due_on.data,
                due_days=form.due_days.data,
                is_mandatory=form.is_mandatory.data,
                recert_months=form.recert_months.data,
            )
        except DomainError as exc:
            db.session.rollback()
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
    rule = db.session.get(AssignmentRule, rule_id)
    if rule is None:
        abort(404)
    if ConfirmForm().validate_on_submit():
        services.delete_rule(current_user, rule)
        flash(_("Assignment rule removed."), "success")
    return redirect(url_for("courses.rules", course_id=rule.course_id))


# --- hours, quotas, team --------------------------------------------------------------------


@bp.route("/courses/quotas", methods=["GET", "POST"])
@role_required(Role.HR, Role.ADMIN)
def quotas():
    """Yearly 学时 quota per job role."""
    year = request.args.get("year", services.local_today().year, type=int)
    form = QuotaForm(year=year)
    roles = db.session.scalars(select(JobRole).order_by(JobRole.id)).all()
    locale = select_locale()
    form.job_role_id.choices = [
        SelectChoice(j.id, f"{j.code} {j.display_name(locale)}") for j in roles
    ]
    if form.validate_on_submit():
        try:
            services.set_quota(
                current_user,
                db.session.get(JobRole, form.job_role_id.data),
                form.year.data,
                form.hours.data,
            )
        except DomainError as exc:
            db.session.rollback()
            flash(str(exc), "danger")
        else:
            flash(_("Quota saved."), "success")
            return redirect(url_for("courses.quotas", year=form.year.data))
    return render_template(
        "courses/quotas.html", form=form, roles=roles, year=year, quotas=queries.quotas_for(year)
    )


@bp.route("/courses/hours")
@guarded_by(can_view_people)
def hours():
    """学时 earned against quota for the people I may see."""
    year = request.args.get("year", services.local_today().year, type=int)
    department_id = request.args.get("department", type=int)
    page = paginate(
        queries.hours_people(current_user, department_id=department_id),
        request.args.get("page", 1, type=int),
        current_app.config["PAGE_SIZE"],
    )
    earned = queries.hours_earned([p.id for p in page.items], year)
    quotas = queries.quotas_for(year)
    return render_template(
        "courses/hours.html",
        page=page,
        rows=[(p, earned.get(p.id, 0.0), quotas.get(p.job_role_id)) for p in page.items],
        year=year,
        department_id=department_id,
        departments=org_queries.department_tree(),
    )


@bp.route("/courses/team")
@guarded_by(can_view_people)
def team():
    """Assignments of the people I may see, filtered by status, course or department."""
    status = request.args.get("status") or None
    course_id = request.args.get("course", type=int)
    department_id = request.args.get("department", type=int)
    page = paginate(
        queries.team_enrolments(
            current_user, status=status, course_id=course_id, department_id=department_id
        ),
        request.args.get("page", 1, type=int),
        current_app.config["PAGE_SIZE"],
    )
    now = clock.now()
    return render_template(
        "courses/team.html",
        page=page,
        rows=[(e, services.status_of(e, now)) for e in page.items],
        status=status,
        statuses=[s for s in ENROLMENT_STATUSES if s != "withdrawn"],
        department_id=department_id,
        departments=org_queries.department_tree(),
    )


@bp.route("/courses/people/<int:user_id>")
@guarded_by(can_view_people)
def person(user_id: int):
    """One person's assignments, certificates and hours."""
    person = db.session.get(User, user_id)
    if person is None:
        abort(404)
    if not can_view_user(current_user, person):
        abort(403)
    now = clock.now()
    year = services.local_today(now).year
    earned, quota = queries.hours_of(person, year)
    enrolments = queries.my_enrolments(person)
    return render_template(
        "courses/person.html",
        person=person,
        rows=[(e, services.status_of(e, now)) for e in enrolments],
        earned=earned,
        quota=quota,
        year=year,
    )
