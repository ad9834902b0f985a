"""Use cases of courses, re-exported so callers keep ``from app.courses import services``.

``authoring``: courses and their activities; ``files``: uploads; ``rules``: assignment rules;
``applying``: applying the rules (and recertification cycles); ``learning``: enrolment, progress
and completion; ``certificates``: issuing, verifying and printing; ``quotas``: training hours;
``notices``: how course notices are worded and which are due; ``quiz_link``: the link to the quiz
engine; ``demo``: the demo seeder. Time helpers live in ``app.courses.dates``, reads in
``app.courses.queries``. Every write runs in the unit of work (``app.core.uow``), except
``apply_rules_for_users``, which runs inside the organisation's (``users_changed`` hook).
"""

from app.courses.dates import add_months, company_zone, local_today, soon_days, status_of
from app.courses.services.applying import ApplyReport, apply_all_rules, apply_rules_for_users
from app.courses.services.authoring import (
    add_activity,
    create_course,
    move_activity,
    publish_course,
    retire_activity,
    update_activity,
    update_course,
)
from app.courses.services.certificates import certificate_pdf, verification_url
from app.courses.services.demo import seed_courses
from app.courses.services.errors import CourseError
from app.courses.services.files import FILE_TYPES, add_file, file_source, serves_inline
from app.courses.services.learning import (
    mark_lesson_viewed,
    record_attendance,
    record_quiz_result,
    self_enrol,
)
from app.courses.services.notices import NOTICE_KINDS, due_course_notices
from app.courses.services.quiz_link import quiz_attempt_finished
from app.courses.services.quotas import set_quota
from app.courses.services.rules import create_rule, delete_rule

__all__ = [
    "FILE_TYPES",
    "NOTICE_KINDS",
    "ApplyReport",
    "CourseError",
    "add_activity",
    "add_file",
    "add_months",
    "apply_all_rules",
    "apply_rules_for_users",
    "certificate_pdf",
    "company_zone",
    "create_course",
    "create_rule",
    "delete_rule",
    "due_course_notices",
    "file_source",
    "local_today",
    "mark_lesson_viewed",
    "move_activity",
    "publish_course",
    "quiz_attempt_finished",
    "record_attendance",
    "record_quiz_result",
    "retire_activity",
    "seed_courses",
    "self_enrol",
    "serves_inline",
    "set_quota",
    "soon_days",
    "status_of",
    "update_activity",
    "update_course",
    "verification_url",
]
