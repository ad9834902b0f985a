"""A small company for the HR reports: two districts, two mandatory courses (one recertified
yearly), completions spread over a year, competency ratings, a month of service results.

Import the fixtures in a test module: ``from tests.reports.company import *  # noqa: F403``.

On 4 December 2026 (the clock the fixture leaves frozen):

=====  =========  ===========================================  ==================================
who    where      安全规程 (due 2026-01-31, 12-month certificate)  服务礼仪 (due 2026-11-20, 4 h)
=====  =========  ===========================================  ==================================
N1     北区        completed 2026-06-01 (valid to 2027-06-01)   completed 2026-11-10
N2     北区        overdue                                      overdue
S1     南区        completed 2025-12-20 (expires 2026-12-20)    completed 2026-11-10
S2     南区        overdue                                      overdue
=====  =========  ===========================================  ==================================

The manager M001 manages 北区 (no job role, so not counted as staff); H001 is HR.
"""

from dataclasses import dataclass
from datetime import UTC, date, datetime

import pytest

from app.core import clock
from app.extensions import db as _db
from tests.api.conftest import api_as, service_token, user_token  # noqa: F401
from tests.competencies.conftest import cm2_quiz, take_quiz  # noqa: F401
from tests.courses.conftest import assign, make_course  # noqa: F401
from tests.needs.conftest import rate, scores_csv  # noqa: F401
from tests.quality.conftest import demo_indicators, import_scores, indicators  # noqa: F401

NOW = datetime(2026, 12, 4, 2, 0, tzinfo=UTC)
NORTH = "测试公司/北区/营业厅A"
SOUTH = "测试公司/南区/营业厅B"
SAFETY = "安全规程"
MANNERS = "服务礼仪"


@dataclass
class Company:
    """The people and courses of the planted company (detached users)."""

    n1: object
    n2: object
    s1: object
    s2: object
    manager: object
    hr: object
    safety: int
    manners: int


def complete(app, user, course_id, at: datetime) -> None:
    """``user`` reads every lesson of the course at ``at`` (so completes it then)."""
    from app.courses import services
    from app.courses.models import Course
    from app.org.models import User

    clock.freeze(at)
    with app.app_context():
        person = _db.session.get(User, user.id)
        for activity in _db.session.get(Course, course_id).live_activities:
            services.mark_lesson_viewed(person, activity)


def set_quota(app, code: str, year: int, hours: float) -> None:
    """The yearly 学时 quota of a job role."""
    from app.courses import services
    from app.org.services import job_role_by_code

    with app.app_context():
        services.set_quota(None, job_role_by_code(code), year, hours)


@pytest.fixture
def company(app, make_user, make_course, assign) -> Company:  # noqa: F811
    """The planted company, the clock frozen on 4 December 2026 (see the module's table)."""
    n1 = make_user(employee_no="N1", name="北区甲", department=NORTH)
    n2 = make_user(employee_no="N2", name="北区乙", department=NORTH)
    s1 = make_user(employee_no="S1", name="南区甲", department=SOUTH)
    s2 = make_user(employee_no="S2", name="南区乙", department=SOUTH)
    manager = make_user(
        ("staff",),
        employee_no="M001",
        name="北区主任",
        department="测试公司/北区",
        job_role=None,
        manages=["测试公司/北区"],
    )
    hr = make_user(("hr",), employee_no="H001", name="人资专员", department=None, job_role=None)
    clock.freeze(datetime(2025, 12, 20, 2, 0, tzinfo=UTC))
    safety = make_course(SAFETY, credit_hours=2)
    assign(
        safety, department="测试公司", due_kind="fixed", due_on=date(2026, 1, 31), recert_months=12
    )
    complete(app, s1, safety, datetime(2025, 12, 20, 2, 0, tzinfo=UTC))
    complete(app, n1, safety, datetime(2026, 6, 1, 2, 0, tzinfo=UTC))
    clock.freeze(datetime(2026, 11, 10, 2, 0, tzinfo=UTC))
    manners = make_course(MANNERS, credit_hours=4)
    assign(manners, department="测试公司", due_kind="fixed", due_on=date(2026, 11, 20))
    for person in (n1, s1):
        complete(app, person, manners, datetime(2026, 11, 10, 2, 0, tzinfo=UTC))
    clock.freeze(NOW)
    set_quota(app, "CTR", 2026, 20)
    return Company(n1, n2, s1, s2, manager, hr, safety, manners)


def sign_in(client, user) -> None:
    """Sign the test client in as an existing (detached) user."""
    with client.session_transaction() as session:
        session.clear()
        session["_user_id"] = user.session_token
        session["_fresh"] = True
