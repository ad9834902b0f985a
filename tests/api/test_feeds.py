"""The HR feed and the question-bank feed: reads, and all-or-nothing writes."""

import io
import json

from sqlalchemy import func, select

from app.bank.formats import dump_json
from app.bank.models import Question
from app.core.models import AuditEvent
from app.org.models import User

DEPT = "测试公司/测试分中心/测试营业厅"


def _people(app, db):
    with app.app_context():
        return {
            u.employee_no: (u.name, u.email, u.is_active, u.role_names)
            for u in db.session.scalars(select(User))
        }


def _record(no, **fields):
    return {
        "employee_no": no,
        "name": fields.pop("name", f"员工{no}"),
        "email": fields.pop("email", f"{no.lower()}@example.test"),
        "department": fields.pop("department", DEPT),
        "job_role": fields.pop("job_role", "CC"),
        "hired_at": fields.pop("hired_at", "2024-03-01"),
        "is_active": fields.pop("is_active", True),
    }


# --- people -------------------------------------------------------------------------------


def test_the_hr_feed_creates_and_updates_people_by_employee_number(
    app, db, client, service_token, make_user, make_department
):
    make_department(DEPT)
    existing = make_user(("staff", "trainer"), employee_no="H001", name="旧名字")
    headers = service_token("users:write", "users:read")
    feed = {
        "users": [
            _record("H001", name="新名字"),
            _record("H002"),
            _record("H003", is_active=False),
        ]
    }
    answer = client.put("/api/v1/users", headers=headers, json=feed)
    assert answer.status_code == 200, answer.get_json()
    assert answer.get_json() == {"created": 2, "updated": 1, "unchanged": 0, "dry_run": False}
    people = _people(app, db)
    assert people["H001"] == ("新名字", "h001@example.test", True, ["staff", "trainer"])
    assert people["H002"] == ("员工H002", "h002@example.test", True, ["staff"])
    assert people["H003"][2] is False
    again = client.put("/api/v1/users", headers=headers, json=feed).get_json()
    assert again == {"created": 0, "updated": 0, "unchanged": 3, "dry_run": False}
    with app.app_context():
        actor = db.session.scalar(select(User.id).where(User.employee_no.startswith("svc-")))
        actors = set(
            db.session.scalars(
                select(AuditEvent.actor_id).where(
                    AuditEvent.action.in_(["user.import", "user.active"])
                )
            )
        )
        assert actors == {actor}
    listed = client.get("/api/v1/users", headers=headers, query_string={"department": DEPT})
    assert {p["employee_no"] for p in listed.get_json()["items"]} == {"H001", "H002", "H003"}
    assert existing.employee_no == "H001"


def test_one_bad_row_changes_nothing_and_every_problem_has_its_row(
    app, db, client, api_as, make_department
):
    make_department(DEPT)
    _admin, headers = api_as("admin")
    before = _people(app, db)
    feed = {
        "users": [
            _record("H010"),
            _record("H011", department="没有这个部门"),
            _record("H012", email="not-an-email"),
            _record("svc-payroll"),
        ]
    }
    answer = client.put("/api/v1/users", headers=headers, json=feed)
    assert answer.status_code == 422
    body = answer.get_json()
    assert body["code"] == "import_rejected"
    assert [e["row"] for e in body["errors"]] == [4]  # reserved numbers are checked first
    del feed["users"][3]
    body = client.put("/api/v1/users", headers=headers, json=feed).get_json()
    assert sorted(e["row"] for e in body["errors"]) == [2, 3]
    assert all("field" not in e and e["message"] for e in body["errors"])
    assert _people(app, db) == before


def test_a_malformed_row_is_a_422_with_its_field_and_row(client, api_as):
    _admin, headers = api_as("admin")
    feed = {"users": [_record("H020"), {"employee_no": "H021", "hired_at": "yesterday"}]}
    body = client.put("/api/v1/users", headers=headers, json=feed).get_json()
    assert body["code"] == "validation_error"
    assert sorted((e["row"], e["field"]) for e in body["errors"]) == [
        (2, "users.1.hired_at"),
        (2, "users.1.name"),
    ]


def test_a_dry_run_reports_and_writes_nothing(app, db, client, api_as, make_department):
    make_department(DEPT)
    _admin, headers = api_as("admin")
    before = _people(app, db)
    answer = client.put(
        "/api/v1/users?dry_run=true", headers=headers, json={"users": [_record("H030")]}
    )
    assert answer.get_json() == {"created": 1, "updated": 0, "unchanged": 0, "dry_run": True}
    assert _people(app, db) == before


def test_people_filters(client, api_as, make_user):
    make_user(("staff",), employee_no="P1", job_role="CC", department="测试公司/一分中心/班组")
    make_user(("staff",), employee_no="P2", job_role="CTR", department="测试公司/二分中心/班组")
    make_user(("trainer",), employee_no="P3", department=None, job_role=None)
    _hr, headers = api_as("hr", employee_no="P0")

    def numbers(**query):
        answer = client.get("/api/v1/users", headers=headers, query_string=query)
        assert answer.status_code == 200, answer.get_json()
        return [p["employee_no"] for p in answer.get_json()["items"]]

    assert numbers() == ["P0", "P1", "P2", "P3"]
    assert numbers(role="trainer") == ["P3"]
    assert numbers(job_role="cc") == ["P1"]
    assert numbers(department="测试公司/一分中心") == ["P1"]
    assert numbers(department="测试公司") == ["P1", "P2"]
    assert numbers(page_size=2, page=2) == ["P2", "P3"]
    paged = client.get("/api/v1/users", headers=headers, query_string={"page_size": 2})
    assert json.loads(paged.headers["X-Pagination"]) == {
        "total": 4,
        "total_pages": 2,
        "first_page": 1,
        "last_page": 2,
        "page": 1,
        "next_page": 2,
    }
    unknown = client.get("/api/v1/users", headers=headers, query_string={"department": "无"})
    assert unknown.status_code == 422
    assert unknown.get_json()["errors"][0]["field"] == "department"
    too_big = client.get("/api/v1/users", headers=headers, query_string={"page_size": 501})
    assert too_big.status_code == 422
    assert too_big.get_json()["errors"][0]["field"] == "page_size"
    person = client.get("/api/v1/users", headers=headers, query_string={"job_role": "CTR"})
    assert person.get_json()["items"] == [
        {
            "employee_no": "P2",
            "name": person.get_json()["items"][0]["name"],
            "email": "p2@example.test",
            "department": "测试公司/二分中心/班组",
            "job_role": "CTR",
            "roles": ["staff"],
            "hired_at": "2020-01-01",
            "is_active": True,
        }
    ]


def test_departments_come_as_a_tree(client, api_as, make_user):
    make_user(("staff",), department="测试公司/一分中心/班组")
    make_user(("staff",), department="测试公司/二分中心")
    _hr, headers = api_as("hr")
    tree = client.get("/api/v1/departments", headers=headers).get_json()["items"]
    assert [d["path"] for d in tree] == ["测试公司"]
    branches = tree[0]["children"]
    assert [(b["name"], b["active_members"]) for b in branches] == [
        ("一分中心", 0),
        ("二分中心", 1),
    ]
    assert branches[0]["children"][0]["path"] == "测试公司/一分中心/班组"
    assert branches[0]["children"][0]["active_members"] == 1


# --- question bank ------------------------------------------------------------------------


def test_questions_list_with_the_bank_filters(client, service_token, bank):
    headers = service_token("questions:read")

    def keys(**query):
        answer = client.get("/api/v1/questions", headers=headers, query_string=query)
        assert answer.status_code == 200, answer.get_json()
        return [q["id"] for q in answer.get_json()["items"]]

    assert len(keys(page_size=500)) == 21
    assert keys(qtype="matching") == ["t-match"]
    assert keys(category="题库/每种题型", q="连线") == ["t-match"]
    assert keys(competency="BK1") == ["t-single"]
    assert len(keys(tag="池")) == 12
    assert keys(category="题库/随机池", difficulty=1, page_size=2) == ["pool-0", "pool-3"]
    item = client.get("/api/v1/questions", headers=headers, query_string={"qtype": "single"})
    assert item.get_json()["items"][0] | {"updated_at": None} == {
        "id": "t-single",
        "name": "居民办电时间",
        "qtype": "single",
        "category": "题库/每种题型",
        "status": "ready",
        "difficulty": 1,
        "competencies": ["SV1", "BK1"],
        # names in the caller's language (English here), so a feed reader needs no second call
        "competency_names": {
            "SV1": "Service Mindset and Fulfilment of Commitments",
            "BK1": "Connection Process and Time Limits (New Connection, Capacity Increase, "
            "Change of Use)",
        },
        "tags": ["十项承诺"],
        "version": 1,
        "updated_at": None,
    }
    bad = client.get("/api/v1/questions", headers=headers, query_string={"qtype": "essayish"})
    assert bad.status_code == 422 and bad.get_json()["errors"][0]["field"] == "qtype"


def test_one_question_comes_in_the_json_export_shape(app, client, service_token, bank):
    from app.bank import services

    headers = service_token("questions:read")
    for key in ("t-single", "t-match", "t-num", "t-essay"):
        answer = client.get(f"/api/v1/questions/{key}", headers=headers)
        assert answer.status_code == 200
        with app.app_context():
            exported = [q for q in services.export_questions() if q.id == key]
            assert answer.get_json() == json.loads(dump_json(exported))[0]
    missing = client.get("/api/v1/questions/nope", headers=headers)
    assert missing.status_code == 404 and missing.get_json()["code"] == "not_found"


GOOD = """questions:
  - id: api-1
    qtype: truefalse
    name: 接口导入
    category: 接口/导入
    questiontext: 通过接口导入的题目。
    correct: true
"""


def _upload(client, headers, text, name="bank.yaml", **form):
    data = {"file": (io.BytesIO(text.encode("utf-8")), name), **form}
    return client.post(
        "/api/v1/question-bank/imports",
        headers=headers,
        data=data,
        content_type="multipart/form-data",
    )


def _count(app, db):
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(Question))


def test_a_question_file_is_imported_through_the_api(app, db, client, api_as):
    _trainer, headers = api_as("trainer")
    dry = _upload(client, headers, GOOD, dry_run="true")
    assert dry.status_code == 200
    assert dry.get_json() == {
        "created": 1,
        "new_versions": 0,
        "updated": 0,
        "unchanged": 0,
        "dry_run": True,
        "problems": [],
    }
    assert _count(app, db) == 0
    done = _upload(client, headers, GOOD, format="yaml")
    assert done.get_json()["created"] == 1 and done.get_json()["dry_run"] is False
    changed = _upload(client, headers, GOOD.replace("通过接口", "经由接口")).get_json()
    assert (changed["new_versions"], changed["created"]) == (1, 0)
    same = _upload(client, headers, GOOD.replace("通过接口", "经由接口")).get_json()
    assert same["unchanged"] == 1


def test_a_file_with_one_bad_question_imports_nothing(app, db, client, service_token):
    headers = service_token("questions:write")
    bad = (
        GOOD
        + """  - id: api-2
    qtype: single
    name: 坏题
    questiontext: 缺少答案
"""
    )
    answer = _upload(client, headers, bad, name="feed.yaml")
    assert answer.status_code == 422
    body = answer.get_json()
    assert body["code"] == "import_rejected"
    assert body["errors"] and all(e["file"] == "feed.yaml" for e in body["errors"])
    assert all(e["line"] >= 8 for e in body["errors"])
    assert _count(app, db) == 0


def test_an_import_without_a_file_is_a_422_on_the_file_field(client, api_as):
    _trainer, headers = api_as("trainer")
    answer = client.post(
        "/api/v1/question-bank/imports",
        headers=headers,
        data={"format": "yaml"},
        content_type="multipart/form-data",
    )
    assert answer.status_code == 422
    assert [e["field"] for e in answer.get_json()["errors"]] == ["file"]
