"""An XSS corpus through every rich-text and import path, checked for live script in Chromium.

Issue 23, "Done when": each payload would set ``window.__xss`` (or open a dialog, or leave a
``javascript:`` link, an inline event handler or a frame behind) if it survived. The payloads go
into question texts, answers and feedback in every text format and through every import format
(YAML, JSON, GIFT, Moodle XML, XLSX), course titles and lesson bodies, a grading comment, a
competency rating comment, and people's names through the user import. The pages that show them
are loaded in Chromium with the Content-Security-Policy bypassed, so the sanitising and
escaping are tested on their own (the policy is a second wall, tested in test_csp_browser.py).
"""

import re
from dataclasses import replace

import pytest

from tests.conftest import TEST_PASSWORD

pytestmark = pytest.mark.browser

S = "window.__xss=1"
#: the corpus: each item would run ``window.__xss=1`` if it reached the page alive
PAYLOADS = [
    f"<script>{S}</script>",
    f'<img src=x onerror="{S}">',
    f'<svg onload="{S}">',
    f"<svg/onload={S}>",
    f"<svg><script>{S}</script></svg>",
    f'<body onload="{S}">',
    '<iframe srcdoc="<script>parent.__xss=1</script>"></iframe>',
    '<iframe src="javascript:parent.__xss=1"></iframe>',
    f'<a href="javascript:{S}">x</a>',
    f'<details open ontoggle="{S}">x</details>',
    f'<input autofocus onfocus="{S}">',
    f'<video><source onerror="{S}"></video>',
    f'<audio src=x onerror="{S}">',
    f'<object data="javascript:{S}"></object>',
    f'<embed src="javascript:{S}">',
    f'<math><mtext><table><mglyph><style><img src=x onerror="{S}">',
    f'<noscript><p title="</noscript><img src=x onerror={S}>">',
    f'"><script>{S}</script>',
    f"'><img src=x onerror={S}>",
    f"</textarea><script>{S}</script>",
    f"</title><script>{S}</script>",
    f"</script><script>{S}</script>",
    f"<style>@import 'javascript:{S}';</style>",
    f"<img src=x onerror={S}//",
    f"<IMG SRC=JaVaScRiPt:{S}>",
    f"<img src=x onerror=eval('{S}')>",
    f'<svg><a xlink:href="javascript:{S}"><text y=20>x</text></a></svg>',
    f'<form action="javascript:{S}"><button>x</button></form>',
    f'<button formaction="javascript:{S}">x</button>',
    f'<marquee onstart="{S}">x</marquee>',
    f'<div style="background:url(javascript:{S})">x</div>',
    f'<link rel=stylesheet href="javascript:{S}">',
    f'<meta http-equiv="refresh" content="0;url=javascript:{S}">',
    f'<base href="javascript:{S}//">',
    f"[x](javascript:{S})",
    f"![x](javascript:{S})",
    f"[x](JAVASCRIPT:{S})",
    f"[x](  javascript:{S})",
    f'<a href="&#106;avascript:{S}">x</a>',
    f'<a href="jav&#x09;ascript:{S}">x</a>',
    "<img src=x onerror=&#119;indow.__xss=1>",
    f'<svg><animate onbegin="{S}" attributeName=x dur=1s>',
    f'<svg><set onbegin="{S}" attributeName=x to=1>',
    f'<select autofocus onfocus="{S}"></select>',
    f'<textarea autofocus onfocus="{S}"></textarea>',
    f'<x onclick="{S}">click</x>',
    f'<img srcset="x" onerror="{S}">',
    f'<picture><source srcset=x><img onerror="{S}"></picture>',
    f'<table background="javascript:{S}"><tr><td>x</td></tr></table>',
    f'<svg><foreignObject><iframe onload="{S}"></iframe></foreignObject></svg>',
    f'<template><img src=x onerror="{S}"></template>',
    f'@@PLUGINFILE@@/"><img src=x onerror={S}>',
    f'<img src="@@PLUGINFILE@@/x.png&quot; onerror=&quot;{S}">',
    f"<scr<script>ipt>{S}</scr</script>ipt>",
    f"<<script>script>{S}<</script>/script>",
    f"%3Cscript%3E{S}%3C/script%3E",
    f'<!--<img src="--><img src=x onerror={S}//">',
    f"{{{{ {S} }}}} {{% raw %}}<script>{S}</script>",
    f'<a href="data:text/html,<script>{S}</script>">x</a>',
    f'<svg><use href="data:image/svg+xml,<svg id=x onload={S}>"></use></svg>',
]
TEXT_FORMATS = ("markdown", "html", "plain", "moodle")
#: what a page must not hold once loaded: the mark, dialogs are caught separately
LIVE_CHECK = """() => {
  const found = [];
  if (window.__xss !== undefined) found.push("window.__xss was set");
  for (const el of document.querySelectorAll("*")) {
    for (const attr of el.attributes) {
      const name = attr.name.toLowerCase(), value = attr.value.trim().toLowerCase();
      if (name.startsWith("on")) found.push(`${el.tagName} ${name}`);
      if (["href", "src", "action", "formaction", "data", "xlink:href", "background"]
          .includes(name) && (value.startsWith("javascript:") || value.startsWith("data:text")))
        found.push(`${el.tagName} ${name}=${value.slice(0, 30)}`);
    }
    if (el.tagName === "IFRAME" || el.tagName === "OBJECT" || el.tagName === "EMBED")
      found.push(el.tagName);
  }
  return found;
}"""


def test_the_corpus_is_large_enough():
    assert len(PAYLOADS) >= 50
    assert len(set(PAYLOADS)) == len(PAYLOADS)


def _questions():
    from app.bank.qtypes.base import QuestionData

    for n, payload in enumerate(PAYLOADS):
        for fmt in TEXT_FORMATS:
            yield QuestionData(
                qtype="single",
                name=f"{payload} {n}"[:250],
                id=f"x{n}-{fmt}",
                category="XSS/yaml",
                questiontextformat=fmt,
                questiontext=payload,
                generalfeedback=payload,
                correctfeedback=payload,
                incorrectfeedback=payload,
                status="ready",
                data={
                    "shuffleanswers": False,
                    "answernumbering": "abc",
                    "shownumcorrect": False,
                    "answers": [
                        {"text": payload, "fraction": 1.0, "feedback": payload},
                        {"text": f"b{n}", "fraction": 0.0, "feedback": payload},
                    ],
                },
            )


@pytest.fixture
def corpus_world(app, make_user, make_department, make_course):
    """The payloads stored through every path; returns the ids the pages need."""
    from sqlalchemy import select

    from app.bank import services as bank
    from app.bank.formats import FORMATS
    from app.competencies.models import Competency
    from app.competencies.services import record_rating
    from app.core import clock
    from app.courses import services as courses
    from app.courses.models import Course
    from app.extensions import db
    from app.grading import services as grading
    from app.org import services as org
    from app.org.models import User
    from app.quizzes import services as quizzes
    from app.quizzes.models import Quiz

    hall = "测试公司/测试分中心/测试营业厅"
    make_department(hall, "hall")
    learner = make_user(employee_no="X0001")
    trainer = make_user(
        ("trainer", "hr", "admin"), employee_no="X0002", department=None, job_role=None
    )
    questions = list(_questions())
    with app.app_context():
        sources = [bank.decode_source(FORMATS["yaml"].dump(questions).encode(), "xss.yaml")]
        html_only = [q for q in questions if q.questiontextformat == "html"]
        for name in ("json", "gift", "moodlexml", "xlsx"):
            renamed = [replace(q, id=f"{q.id}-{name}", category=f"XSS/{name}") for q in html_only]
            content = FORMATS[name].dump(renamed)
            data = content if isinstance(content, bytes) else content.encode()
            sources.append(bank.decode_source(data, f"xss.{FORMATS[name].extensions[0][1:]}"))
        bank.import_questions(None, sources)  # raises with every problem if one is refused
        keys = list(db.session.scalars(select(bank_key_column())))
        quiz = quizzes.create_quiz(
            None,
            title=PAYLOADS[0],
            is_published=True,
            attempts_allowed=0,
            questions_per_page=0,
            review_options={
                "immediately": ["marks", "correct", "feedback"],
                "open": ["marks", "correct", "feedback"],
                "closed": ["marks", "correct", "feedback"],
            },
        )
        for key in keys:
            quizzes.add_fixed_slot(None, quiz, key)
        essay = bank_essay(bank)
        quizzes.add_fixed_slot(None, quiz, essay)
        quizzes.set_audience(None, quiz, department_ids=[org.department_by_path("测试公司").id])
        person = db.session.get(User, learner.id)
        finished, _new = quizzes.start_attempt(person, db.session.get(Quiz, quiz.id))
        quizzes.submit_attempt(finished)
        essay_slot = next(s for s in finished.slots if s.version.qtype == "essay")
        grading.grade_slot(
            db.session.get(User, trainer.id), essay_slot, 1, "\n".join(PAYLOADS)[:4000]
        )
        in_progress, _new = quizzes.start_attempt(person, db.session.get(Quiz, quiz.id))
        competency = db.session.scalar(select(Competency).limit(1))
        record_rating(
            db.session.get(User, trainer.id), person, competency, 3, "\n".join(PAYLOADS)[:4000]
        )
        course = courses.create_course(None, title=PAYLOADS[2], credit_hours=1, is_open=True)
        lessons = []
        for payload in PAYLOADS:
            lessons.append(
                courses.add_activity(None, course, kind="lesson", title=payload, body=payload).id
            )
        courses.publish_course(None, db.session.get(Course, course.id))
        courses.self_enrol(person, db.session.get(Course, course.id))
        lines = ["employee_no,name,email,department,job_role,roles,hired_at"]
        for n, payload in enumerate(PAYLOADS):
            name = payload.replace('"', '""')
            lines.append(f'X1{n:03d},"{name}",,{hall},CTR,staff,')
        org.import_users(None, "\n".join(lines).encode(), "people.csv")
        clock.freeze(None)
        return {
            "quiz": quiz.id,
            "finished": finished.id,
            "in_progress": in_progress.id,
            "course": course.id,
            "lessons": lessons,
            "keys": keys,
            "learner": learner.id,
        }


def bank_key_column():
    """The column of question keys."""
    from app.bank.models import Question

    return Question.key


def bank_essay(bank) -> str:
    """An essay question (for a grading comment); returns its key."""
    from app.bank.formats import parse_yaml

    text = """questions:
  - id: x-essay
    qtype: essay
    name: 论述
    category: XSS/essay
    status: ready
    questiontext: 说明。
"""
    parsed, problems = parse_yaml(text, "essay.yaml")
    assert not problems
    bank.import_questions(None, [bank.decode_source(text.encode(), "essay.yaml")])
    return "x-essay"


def _sign_in(page, base_url, identifier):
    page.goto(f"{base_url}/login")
    page.get_by_label(re.compile("工号或电子邮箱|Employee number or email")).fill(identifier)
    page.get_by_label(re.compile("^密码$|^Password$")).fill(TEST_PASSWORD)
    page.get_by_role("button", name=re.compile("^登录$|^Sign in$")).click()
    page.wait_for_url(f"{base_url}/home")


@pytest.fixture
def no_csp_page(_chromium):
    """A page whose context ignores the Content-Security-Policy (the escaping stands alone)."""
    context = _chromium.new_context(locale="zh-CN", bypass_csp=True)
    page = context.new_page()
    page.set_default_timeout(20_000)
    yield page
    context.close()


def _visit(page, url, found, dialogs):
    response = page.goto(url)
    assert response is not None and response.status == 200, (url, response and response.status)
    page.wait_for_load_state("load")
    page.wait_for_timeout(50)  # autofocus and onbegin fire right after load
    for item in page.evaluate(LIVE_CHECK):
        found.append(f"{url}: {item}")
    found.extend(f"{url}: dialog {text}" for text in dialogs)
    dialogs.clear()


def test_no_payload_comes_alive_on_any_page(live_server, no_csp_page, corpus_world):
    page = no_csp_page
    dialogs: list[str] = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    found: list[str] = []
    visited = 0
    base = live_server
    # the learner: the attempt (question texts, answers), the review (feedback, comment)
    _sign_in(page, base, "X0001")
    learner_pages = [
        f"/attempts/{corpus_world['in_progress']}",
        f"/attempts/{corpus_world['finished']}/review",
        f"/courses/{corpus_world['course']}/learn",
        "/courses/my",
        "/competencies/",
        "/quizzes/",
        f"/quizzes/{corpus_world['quiz']}",
        "/home",
        "/notifications",
    ] + [
        f"/courses/{corpus_world['course']}/activities/{lesson}"
        for lesson in corpus_world["lessons"]
    ]
    for path in learner_pages:
        _visit(page, base + path, found, dialogs)
        visited += 1
        if path.startswith("/attempts/"):  # the payloads are there, as text
            assert "onerror" in page.content() and "__xss" in page.inner_text("main")
    page.context.clear_cookies()
    # the trainer/HR/admin: bank lists and pages, grading, people, accounts, audit
    _sign_in(page, base, "X0002")
    staff_pages = [f"/bank/?page={n}" for n in range(1, 12)]
    staff_pages += [f"/bank/questions/{key}" for key in corpus_world["keys"][::7]]
    staff_pages += [f"/bank/questions/{key}/try" for key in corpus_world["keys"][::29]]
    staff_pages += [
        f"/grading/quizzes/{corpus_world['quiz']}/results",
        f"/grading/quizzes/{corpus_world['quiz']}",
        f"/quizzes/{corpus_world['quiz']}/slots",
        "/quizzes/manage",
        "/courses/manage",
        f"/courses/{corpus_world['course']}/edit",
        "/org/people",
        "/org/people?page=2",
        "/org/users",
        "/org/users?page=2",
        f"/courses/people/{corpus_world['learner']}",
        f"/competencies/people/{corpus_world['learner']}",
        "/audit/",
        "/audit/?page=2",
        "/audit/?page=3",
    ]
    for path in staff_pages:
        _visit(page, base + path, found, dialogs)
        visited += 1
    print(
        f"\nXSS corpus: {len(PAYLOADS)} payloads × {len(TEXT_FORMATS)} text formats, "
        f"5 import formats, lessons, comments, names; {visited} pages loaded; "
        f"{len(found)} live"
    )
    assert found == []
