"""Hostile numbers, ids and bodies never answer 500 (issue 23, findings 2 and 3).

Every GET route × every role (as tests/test_permissions.py walks them) is requested with its ids
out of range (past PostgreSQL's ``integer``, past 64 bits, negative, non-ASCII digits) and with
every query parameter the app reads set to hostile values; every POST route is sent hostile form
values; every API body route gets a 100,000-deep JSON document and a lone surrogate. Nothing may
answer 500, and no out-of-range value may even reach the database (the error handler's safety
net for ``DataError``/``OverflowError`` must stay silent).
"""

import logging
import re
from pathlib import Path

import pytest

from tests.conftest import ROLE_FIXTURES
from tests.courses.conftest import make_course  # noqa: F401  (fixtures the world needs)
from tests.quizzes.conftest import bank, import_yaml, make_quiz  # noqa: F401
from tests.test_permissions import _bearer_for

APP = Path(__file__).resolve().parents[1] / "app"

#: ids that must be refused before any query: past int32, past int64, huge
HUGE_IDS = ("2147483648", "9223372036854775808", "99999999999999999999999")
#: path segments an <int:> argument must refuse (404), never convert
BAD_ID_SEGMENTS = ("-1", "٣", "1e3", "0x10")
#: values every query parameter gets, one request per value
HOSTILE_VALUES = (
    "99999999999999999999999",
    "2147483648",
    "-1",
    "²",
    "1e400",
    "NaN",
    "\x00",
    "'\"><svg onload=alert(1)>",
    "x" * 5000,
)
#: keys that would collide with url_for's own arguments if a template passed them on
SPECIAL_KEYS = ("endpoint", "_scheme", "_external", "_anchor", "_method", "values")
#: real-looking values of the string arguments of routes (ints get 1: the first row made)
STRING_ARGS = {
    "key": "t-single",
    "code": "SV1",
    "role_code": "CTR",
    "direction": "up",
    "kind": "lesson",
    "action": "up",
    "name": "x.png",
    "filename": "x.css",
    "period": "2026-01",
    "employee_no": "U00001",
    "fmt": "xlsx",
}

_READS = re.compile(
    r"""(?:request\.(?:args|values|form)\.get(?:list)?|int_arg)\(\s*["']([A-Za-z_][\w-]*)["']"""
)


def query_keys() -> list[str]:
    """Every query/form parameter name the app reads, found in its source."""
    names = set()
    for path in APP.rglob("*.py"):
        names.update(_READS.findall(path.read_text(encoding="utf-8")))
    return sorted(names)


def _fill(rule, ints: str | None = None) -> str:
    """A URL of ``rule``: ints as ``ints`` (default 1), strings from STRING_ARGS, any() first."""

    def value(match):
        converter, options, name = match.group(1) or "", match.group(2) or "", match.group(3)
        if converter == "any":
            return options.split(",")[0].strip(" '\"")
        if converter.startswith("int"):
            return ints or "1"
        return STRING_ARGS.get(name, "x")

    return re.sub(r"<(?:(\w+)(?:\(([^)]*)\))?:)?(\w+)>", value, rule.rule)


def _routes(app, method: str):
    return sorted(
        (rule for rule in app.url_map.iter_rules() if method in rule.methods),
        key=lambda rule: rule.rule,
    )


class Sent:
    """Counts what a walk sent and what answered 500."""

    def __init__(self) -> None:
        self.requests = 0
        self.failures: list[str] = []

    def check(self, response, what: str) -> None:
        self.requests += 1
        if response.status_code >= 500:
            self.failures.append(f"{response.status_code} {what}")


@pytest.fixture
def world(app, make_quiz, make_course, make_user):  # noqa: F811
    """Rows with id 1 in most tables: a quiz with an attempt, a course with a file."""
    from app.courses import services as courses
    from app.courses.models import Course
    from app.extensions import db
    from app.org.models import User
    from app.quizzes import services as quizzes
    from app.quizzes.models import Quiz

    learner = make_user(employee_no="U00001")
    quiz_id = make_quiz(fixed=("t-single", "t-essay"))
    course_id = make_course(quiz_ids=(quiz_id,))
    with app.app_context():
        attempt, _new = quizzes.start_attempt(
            db.session.get(User, learner.id), db.session.get(Quiz, quiz_id)
        )
        png = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
        courses.add_file(None, db.session.get(Course, course_id), "x.png", png)
        return {"quiz": quiz_id, "course": course_id, "attempt": attempt.id}


@pytest.fixture
def out_of_range_logged(caplog):
    """The messages of the error handler's safety net (must stay empty)."""
    caplog.set_level(logging.WARNING)
    return lambda: [r.getMessage() for r in caplog.records if "out of range" in r.getMessage()]


@pytest.mark.parametrize("role", ROLE_FIXTURES)
def test_get_routes_refuse_hostile_ids_and_queries(
    app, client, login_as, world, role, out_of_range_logged
):
    user = login_as(role)
    api_headers = _bearer_for(app, user)
    keys = query_keys()
    sent = Sent()
    for rule in _routes(app, "GET"):
        if rule.endpoint in ("static", "bootstrap.static", "api_pages.swagger_file"):
            continue
        headers = api_headers if rule.rule.startswith("/api/") else {}
        url = _fill(rule)
        sent.check(client.get(url, headers=headers), url)
        if "<int" in rule.rule:
            for bad in HUGE_IDS + BAD_ID_SEGMENTS:
                bad_url = _fill(rule, bad)
                response = client.get(bad_url, headers=headers)
                sent.check(response, bad_url)
                assert response.status_code in (400, 404), (bad_url, response.status_code)
        for value in HOSTILE_VALUES:
            query = dict.fromkeys(keys, value)
            response = client.get(url, query_string=query, headers=headers)
            sent.check(response, f"{url} ?*={value[:20]!r}")
        special = dict.fromkeys(SPECIAL_KEYS, "javascript")
        sent.check(client.get(url, query_string=special, headers=headers), f"{url} special")
    print(f"\n{role}: {sent.requests} hostile GET requests, {len(sent.failures)} answered 500")
    assert sent.failures == []
    assert out_of_range_logged() == []


#: form values every POST route gets (the ids are huge, numbers absurd, text hostile)
HOSTILE_FORM = {
    "seq": "9223372036854775808",
    "slot": "99999999999999999999",
    "page": "-1",
    "goto": "²",
    "ids": ["99999999999999999999", "-5", "²"],
    "version": "²",
    "base_version": "99999999999999999999",
    "seed": "²",
    "department_id": "99999999999",
    "job_role_id": "2147483648",
    "quiz_id": "99999999999999999999",
    "activity_id": "99999999999999999999",
    "category_id": "99999999999999999999",
    "domain_id": "99999999999999999999",
    "level": "99999999999999999999",
    "year": "99999999999999999999",
    "hours": "1e999",
    "credit_hours": "inf",
    "mark": "1e999999",
    "max_grade": "NaN",
    "pass_mark": "sNaN",
    "value": "-inf",
    "draw_count": "99999999999999999999",
    "time_limit_minutes": "99999999999999999999",
    "attempts_allowed": "-99999999999999999999",
    "questions_per_page": "2147483648",
    "expires_days": "99999999999999999999",
    "validity_months": "99999999999999999999",
    "due_days": "99999999999999999999",
    "recert_months": "99999999999999999999",
    "attended": ["99999999999999999999"],
    "managed_department_ids": ["99999999999999999999"],
    "department_ids": ["99999999999999999999"],
    "job_role_ids": ["99999999999999999999"],
    "identifier": "\ud800".encode("utf-8", "surrogatepass").decode("utf-8", "replace"),
    "text": "<script>window.__xss=1</script>",
    "format": "html",
}
#: POST routes the walk leaves alone: signing out would end the walk's own session
NOT_WALKED = {"auth.logout"}


@pytest.mark.parametrize("role", ["admin", "staff", "trainer", "hr"])
def test_post_routes_refuse_hostile_forms(app, client, login_as, world, role, out_of_range_logged):
    user = login_as(role)
    api_headers = _bearer_for(app, user)
    sent = Sent()
    for method in ("POST", "PUT"):
        for rule in _routes(app, method):
            if rule.endpoint in NOT_WALKED:
                continue
            url = _fill(rule)
            if rule.rule.startswith("/api/"):
                for body in (
                    "[" * 100_000 + "]" * 100_000,
                    '{"username": "\\ud800", "password": "x"}',
                    '{"a": ' * 50 + "1" + "}" * 50,
                    '{"seq": 99999999999999999999999999, "page": -1}',
                    "{not json",
                ):
                    response = client.open(
                        url,
                        method=method,
                        data=body,
                        content_type="application/json",
                        headers=api_headers,
                    )
                    sent.check(response, f"{method} {url} json {body[:20]!r}")
                continue
            response = client.open(url, method=method, data=HOSTILE_FORM)
            sent.check(response, f"{method} {url}")
    print(f"\n{role}: {sent.requests} hostile POST/PUT requests, {len(sent.failures)} answered 500")
    assert sent.failures == []
    assert out_of_range_logged() == []
