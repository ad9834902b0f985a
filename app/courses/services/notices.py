"""The courses' notices: how each kind is worded, and the producer of due-soon, overdue and
expiring-certificate notices that ``flask notify send-due`` asks for."""

from datetime import date, datetime, timedelta

from flask import current_app
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from app.core.i18n import format_date
from app.courses import queries
from app.courses.dates import company_zone, local_today, soon_days
from app.courses.models import Enrolment
from app.notify.services import Notice, NoticeKind


def _format_day(iso: str | None) -> str:
    return format_date(date.fromisoformat(iso)) if iso else "—"


def _assigned_body(params: dict) -> str:
    if params.get("due_on"):
        body = _(
            "You have been assigned the course %(course)s. Complete it by %(due)s.",
            course=params["course"],
            due=_format_day(params["due_on"]),
        )
    else:
        body = _("You have been assigned the course %(course)s.", course=params["course"])
    if params.get("reason"):
        body += " " + _("Reason: %(reason)s", reason=params["reason"])
    return body


def _dated_kind(name: str, subject, body, day: str, placeholder: str) -> NoticeKind:
    """A kind whose subject names the course and whose body shows one date of its params."""
    return NoticeKind(
        name,
        lambda p: str(subject) % {"course": p["course"]},
        lambda p: str(body) % {"course": p["course"], placeholder: _format_day(p.get(day))},
    )


#: how the courses' notices are worded (connected to the notice_kind hook)
NOTICE_KINDS = (
    NoticeKind(
        "course.assigned",
        lambda p: _("New course assigned: %(course)s", course=p["course"]),
        _assigned_body,
    ),
    _dated_kind(
        "course.recertify",
        _l("Recertification due: %(course)s"),
        _l("Your certificate for %(course)s has expired. Complete the course again by %(due)s."),
        "due_on",
        "due",
    ),
    _dated_kind(
        "course.due_soon",
        _l("Due soon: %(course)s"),
        _l("The course %(course)s is due on %(due)s."),
        "due_on",
        "due",
    ),
    _dated_kind(
        "course.overdue",
        _l("Overdue: %(course)s"),
        _l("The course %(course)s was due on %(due)s and is not completed yet."),
        "due_on",
        "due",
    ),
    _dated_kind(
        "course.expiring",
        _l("Certificate expiring: %(course)s"),
        _l("Your certificate for %(course)s expires on %(expires)s."),
        "expires_on",
        "expires",
    ),
)


def course_notice(enrolment: Enrolment, kind: str, **params) -> Notice:
    """A notice of ``kind`` about ``enrolment``, linking to the course's learning page."""
    return Notice(
        user_id=enrolment.user_id,
        kind=kind,
        subject_id=enrolment.id,
        params={"course": enrolment.course.title, **params},
        link=f"/courses/{enrolment.course_id}/learn",
    )


def due_course_notices(now: datetime) -> list[Notice]:
    """Due soon, overdue and expiring-certificate notices for current enrolments (3 queries)."""
    today = local_today(now)
    due_soon_until = today + timedelta(days=current_app.config["COURSE_DUE_SOON_DAYS"])
    notices = [
        course_notice(enrolment, "course.due_soon", due_on=enrolment.due_on.isoformat())
        for enrolment in queries.open_enrolments_due_between(today, due_soon_until)
    ]
    notices += [
        course_notice(enrolment, "course.overdue", due_on=enrolment.due_on.isoformat())
        for enrolment in queries.open_enrolments_due_before(today)
    ]
    for enrolment in queries.enrolments_expiring_between(now, now + timedelta(days=soon_days())):
        expires_on = enrolment.expires_at.astimezone(company_zone()).date().isoformat()
        notices.append(course_notice(enrolment, "course.expiring", expires_on=expires_on))
    return notices
