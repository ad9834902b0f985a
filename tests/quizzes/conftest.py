"""Quiz fixtures: a small bank, a quiz factory, and a staff member's view of an attempt page."""

import html
import re
import textwrap
from dataclasses import replace
from datetime import timedelta

import pytest
from sqlalchemy import select

from app.bank import services as bank_services
from app.bank.formats import dump_yaml, parse_yaml
from app.core import clock
from app.extensions import db as _db
from app.quizzes import services
from app.quizzes.models import Attempt, Quiz
from tests.bank.conftest import import_yaml  # noqa: F401  (a fixture these tests share)
from tests.bank.test_import_service import EVERY_TYPE

#: the bank the quiz tests draw from: every type, in one category, plus a pool for random draws
POOL = "questions:\n" + "".join(
    f"""  - id: pool-{i}
    qtype: truefalse
    name: 判断{i}
    category: 题库/随机池
    questiontext: 第{i}题
    competencies: [SV{1 + i % 5}]
    difficulty: {1 + i % 3}
    tags: [池]
    status: ready
    correct: true
"""
    for i in range(12)
)


@pytest.fixture
def bank(app):
    """Import one ready question of every type (category 题库/每种题型) and a pool of 12."""
    questions = []
    for qtype, text in EVERY_TYPE.items():
        parsed, problems = parse_yaml(textwrap.dedent(text), f"{qtype}.yaml")
        assert not problems
        questions += [replace(q, category="题库/每种题型", status="ready") for q in parsed]
    with app.app_context():
        sources = [
            bank_services.decode_source(dump_yaml(questions).encode(), "types.yaml"),
            bank_services.decode_source(POOL.encode(), "pool.yaml"),
        ]
        bank_services.import_questions(None, sources)


@pytest.fixture
def make_quiz(app, bank, make_department):
    """Factory: ``make_quiz(fixed=["t-single"], random=[(path, n)], **settings)`` → quiz id.

    The quiz is published, open, and open to the default test department's subtree.
    """

    def make(fixed=("t-single",), random=(), audience="测试公司", **settings):
        settings.setdefault("title", "测验")
        settings.setdefault("is_published", True)
        settings.setdefault("attempts_allowed", 0)
        settings.setdefault("questions_per_page", 0)
        with app.app_context():
            quiz = services.create_quiz(None, **settings)
            for key in fixed:
                services.add_fixed_slot(None, quiz, key)
            for path, count, *filters in random:
                category = bank_services.category_by_path(path)
                options = filters[0] if filters else {}
                services.add_random_slot(None, quiz, category, draw_count=count, **options)
            if audience:
                dept_id = make_department(audience)
                services.set_audience(None, quiz, department_ids=[dept_id])
            return quiz.id

    return make


@pytest.fixture
def attempt_of(app):
    """The attempt row (detached, loaded) with this id."""

    def load(attempt_id):
        with app.app_context():
            attempt = _db.session.get(Attempt, attempt_id)
            _db.session.refresh(attempt)
            _ = attempt.slots
            for slot in attempt.slots:
                _ = slot.version
            _db.session.expunge_all()
            return attempt

    return load


def start(client, quiz_id) -> int:
    """Start (or continue) the quiz through the page; return the attempt id."""
    response = client.post(f"/quizzes/{quiz_id}/start")
    assert response.status_code == 302, response.get_data(as_text=True)
    match = re.search(r"/attempts/(\d+)", response.headers["Location"])
    assert match, response.headers["Location"]
    return int(match.group(1))


class AttemptPage:
    """A parsed attempt page: find the form values a person would choose by their labels."""

    def __init__(self, text: str):
        self.text = text

    def slots(self) -> list[int]:
        """The question numbers on the page."""
        return [int(n) for n in re.findall(r'class="card mb-3 que" data-slot="(\d+)"', self.text)]

    def choice(self, slot: int, label: str) -> str:
        """The value of the radio/checkbox of ``slot`` whose label is ``label``."""
        pattern = (
            rf'name="q{slot}" id="[^"]+" value="([^"]+)"(?: checked)?><label[^>]*>'
            rf'(?:<span class="answernumber">[^<]*</span>)?([^<]*)</label>'
        )
        for value, text in re.findall(pattern, self.text):
            if html.unescape(text).strip() == label:
                return value
        raise AssertionError(f"no choice {label!r} in question {slot}")

    def matching(self, slot: int, pairs: dict[str, str]) -> dict[str, str]:
        """Form fields choosing, for each item text, the answer with that text."""
        fields = {}
        rows = re.findall(
            rf'<td class="text"[^>]*>([^<]*)</td>'
            rf'<td class="control"><select[^>]*name="(q{slot}_sub\d+)"'
            r"[^>]*>(.*?)</select>",
            self.text,
        )
        for item, name, options in rows:
            wanted = pairs.get(html.unescape(item).strip())
            if wanted is None:
                continue
            for value, text in re.findall(r'<option value="([^"]*)">([^<]*)</option>', options):
                if html.unescape(text) == wanted:
                    fields[name] = value
        return fields


def page_of(client, attempt_id, page=1) -> AttemptPage:
    """GET an attempt page and parse it."""
    response = client.get(f"/attempts/{attempt_id}", query_string={"page": page})
    assert response.status_code == 200, response.status_code
    return AttemptPage(response.get_data(as_text=True))


def save(client, attempt_id, slot, seq=None, **fields):
    """POST one answer as the page's script does."""
    data = {"slot": slot, **fields}
    if seq is not None:
        data["seq"] = seq
    return client.post(f"/attempts/{attempt_id}/save", data=data)


def freeze_now(delta=timedelta(0)):
    """Freeze the clock at a fixed moment (plus ``delta``) and return it."""
    from datetime import UTC, datetime

    at = datetime(2026, 11, 27, 9, 0, tzinfo=UTC) + delta
    clock.freeze(at)
    return at


def quiz_of(app, quiz_id):
    """The quiz row (detached)."""
    with app.app_context():
        quiz = _db.session.scalar(select(Quiz).where(Quiz.id == quiz_id))
        _db.session.expunge(quiz)
        return quiz
