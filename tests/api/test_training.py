"""The training feed: courses, and a person's assignments and certificates."""

import json
from datetime import date

from sqlalchemy import select

from app.courses import services
from app.courses.models import Certificate, Course
from app.extensions import db
from app.org.models import User
from tests.courses.conftest import DEPT


def test_courses_are_listed_for_training_read(client, service_token, frozen, make_course):
    first = make_course("安全规程培训", credit_hours=4.0)
    make_course("草稿课程", publish=False)
    headers = service_token("training:read")
    answer = client.get("/api/v1/courses", headers=headers, query_string={"status": "published"})
    assert answer.status_code == 200
    assert answer.get_json()["items"] == [
        {
            "id": first,
            "title": "安全规程培训",
            "category": "",
            "status": "published",
            "credit_hours": 4.0,
            "is_open": False,
            "competencies": {},
            "competency_names": {},
            "published_at": "2026-03-02T02:00:00Z",
        }
    ]
    everything = client.get("/api/v1/courses", headers=headers)
    assert json.loads(everything.headers["X-Pagination"])["total"] == 2
    found = client.get("/api/v1/courses", headers=headers, query_string={"q": "草稿"})
    assert [c["title"] for c in found.get_json()["items"]] == ["草稿课程"]


def test_a_persons_assignments_and_certificates(
    app, client, service_token, frozen, make_user, make_course, assign
):
    person = make_user(("staff",), employee_no="T001")
    done = make_course("安全规程培训", credit_hours=4.0)
    todo = make_course("服务礼仪")
    assign(done, department=DEPT, recert_months=12)
    assign(todo, user_id=person.id, due_kind="fixed", due_on=date(2026, 4, 1), is_mandatory=False)
    with app.app_context():
        user = db.session.get(User, person.id)
        services.mark_lesson_viewed(user, db.session.get(Course, done).live_activities[0])
        code = db.session.scalar(select(Certificate.code))
    answer = client.get("/api/v1/people/T001/training", headers=service_token("training:read"))
    assert answer.status_code == 200
    body = answer.get_json()
    assert sorted(body["assignments"], key=lambda a: a["course_id"]) == [
        {
            "course_id": done,
            "title": "安全规程培训",
            "status": "completed",
            "due_at": None,
            "completed_at": "2026-03-02T02:00:00Z",
            "mandatory": True,
        },
        {
            "course_id": todo,
            "title": "服务礼仪",
            "status": "not_started",
            "due_at": "2026-04-01",
            "completed_at": None,
            "mandatory": False,
        },
    ]
    assert body["certificates"] == [
        {
            "code": code,
            "course_id": done,
            "issued_at": "2026-03-02T02:00:00Z",
            "expires_at": "2027-03-02T02:00:00Z",
        }
    ]
    missing = client.get("/api/v1/people/nobody/training", headers=service_token("training:read"))
    assert missing.status_code == 404


def test_staff_read_their_own_training_with_their_token(client, api_as, frozen):
    me, headers = api_as("staff")
    answer = client.get(f"/api/v1/people/{me.employee_no}/training", headers=headers)
    assert answer.get_json() == {"assignments": [], "certificates": []}
