"""Course pages for learners: my learning, the catalogue, learning a course, its files, my
certificates and their public verification."""

import io

from flask import abort, current_app, flash, redirect, render_template, request, send_file, url_for
from flask_babel import gettext as _
from flask_login import current_user

from app.bank import richtext
from app.core import clock
from app.core.errors import DomainError
from app.core.forms import ConfirmForm
from app.core.i18n import select_locale
from app.core.pagination import paginate
from app.core.permissions import can_author_courses, login_only, public
from app.courses import queries, services
from app.courses.blueprint import bp
from app.courses.loaders import (
    get_activity_or_404,
    get_certificate_or_404,
    get_course_or_404,
    get_file_or_404,
    learner_enrolment_or_403,
)
from app.notify.queries import unread_count

#: how the statuses of my current assignments are grouped on "my learning"
MY_GROUPS = {"overdue": "overdue", "not_started": "due", "in_progress": "in_progress"}


@bp.route("/courses/my")
@login_only
def my_learning():
    """My assignments by status, certificates, hours against quota and notices."""
    now = clock.now()
    enrolments = queries.my_enrolments(current_user)
    year = services.local_today(now).year
    earned, quota = queries.hours_of(current_user, year)
    groups = {name: [] for name in ("overdue", "due", "in_progress", "done")}
    history = []
    for enrolment in enrolments:
        status = services.status_of(enrolment, now)
        if enrolment.superseded_at:
            history.append((enrolment, status))
        else:
            groups[MY_GROUPS.get(status, "done")].append((enrolment, status))
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
            flash(str(exc), "danger")
            return redirect(url_for("courses.catalogue"))
        flash(_("You are enrolled in %(course)s.", course=course.title), "success")
    return redirect(url_for("courses.learn", course_id=course.id))


@bp.route("/courses/<int:course_id>/learn")
@login_only
def learn(course_id: int):
    """A course as its learner sees it: activities and my progress on each."""
    course = get_course_or_404(course_id, with_files=True)
    enrolment = learner_enrolment_or_403(current_user, course)
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
    enrolment = learner_enrolment_or_403(current_user, course)
    if item.retired_at is not None and not can_author_courses(current_user):
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
    stored = get_file_or_404(file_id)
    course = get_course_or_404(stored.course_id)
    learner_enrolment_or_403(current_user, course)
    try:
        source = services.file_source(stored)
    except DomainError:
        abort(404)
    response = send_file(
        source,
        mimetype=stored.content_type,
        as_attachment=not services.serves_inline(stored.content_type),
        download_name=stored.filename,
        conditional=True,
        etag=stored.sha256,
        last_modified=stored.uploaded_at,
        max_age=3600,
    )
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response


@bp.route("/courses/certificates/<int:certificate_id>.pdf")
@login_only
def certificate_pdf(certificate_id: int):
    """A certificate as PDF, for its holder and those who may see the holder."""
    certificate = get_certificate_or_404(certificate_id, viewer=current_user)
    pdf = services.certificate_pdf(certificate, certificate.user.locale or select_locale())
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
    certificate = queries.certificate_by_code(code)
    if certificate is None:
        page = render_template("courses/verify.html", certificate=None, valid=False)
        return page, 404
    return render_template(
        "courses/verify.html",
        certificate=certificate,
        valid=certificate.is_valid_at(clock.now()),
    )
