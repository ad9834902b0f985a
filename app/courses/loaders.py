"""Object loaders of courses, shared by pages and the API: a record, or 404 (or 403) before a
view touches it."""

from flask import abort

from app.core.permissions import can_author_courses, can_view_user
from app.courses import queries
from app.courses.models import Activity, AssignmentRule, Certificate, Course, CourseFile, Enrolment
from app.extensions import db


def get_course_or_404(course_id: int, *, with_files: bool = False) -> Course:
    """A course with its activities (and their files), or 404."""
    course = queries.course_by_id(course_id, with_files=with_files)
    if course is None:
        abort(404)
    return course


def get_activity_or_404(course: Course, activity_id: int) -> Activity:
    """An activity of ``course``, or 404."""
    activity = db.session.get(Activity, activity_id)
    if activity is None or activity.course_id != course.id:
        abort(404)
    return activity


def get_file_or_404(file_id: int) -> CourseFile:
    """A course file, or 404."""
    stored = db.session.get(CourseFile, file_id)
    if stored is None:
        abort(404)
    return stored


def get_rule_or_404(rule_id: int) -> AssignmentRule:
    """An assignment rule, or 404."""
    rule = db.session.get(AssignmentRule, rule_id)
    if rule is None:
        abort(404)
    return rule


def get_certificate_or_404(certificate_id: int, *, viewer) -> Certificate:
    """A certificate that ``viewer`` may see (its holder or someone who sees the holder)."""
    certificate = db.session.get(Certificate, certificate_id)
    if certificate is None:
        abort(404)
    if certificate.user is None or not can_view_user(viewer, certificate.user):
        abort(403)
    return certificate


def learner_enrolment_or_403(viewer, course: Course) -> Enrolment | None:
    """``viewer``'s current enrolment in ``course``, after checking they may open it (or 403).

    Authors open every course; others need an enrolment, or the course published and open.
    """
    enrolment = queries.current_enrolment(viewer, course)
    if enrolment is not None and enrolment.withdrawn_at is not None:
        enrolment = None
    may_open = can_author_courses(viewer) or (course.is_open and course.is_published)
    if enrolment is None and not may_open:
        abort(403)
    return enrolment
