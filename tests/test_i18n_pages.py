"""Every page in Chinese, as each role, on the demo company with real ids: no English phrase of
the catalogue is left untranslated and no raw code (an enum value such as ``in_progress``,
``truefalse`` or ``staff``) reaches the words people read."""

import re
from html.parser import HTMLParser

from babel.messages.pofile import read_po
from sqlalchemy import select

from tests.conftest import ROLE_FIXTURES
from tests.test_i18n import PO
from tests.test_pages import _get_pages
from tests.test_permissions import EXPECTED

#: the demo account each role signs in as (flask seed-demo)
DEMO_ACCOUNTS = {
    "staff": "S0001",
    "trainer": "T001",
    "hr": "H001",
    "admin": "admin",
    "manager": "M001",
}
#: pages that are files, not words (PDF, spreadsheets, images, the API's own assets)
NOT_PAGES = {
    "api_pages.swagger_file",
    "bank.question_file",
    "bank.export",
    "competencies.export",
    "courses.certificate_pdf",
    "courses.file",
    "grading.export_results",
    "quality.score_template",
    "reports.export_statistics",
    # -- HR reports (issue 21): spreadsheets and PDFs --
    "reports.dashboard_export",
    "reports.dashboard_pdf",
    "reports.competency_report_pdf",
    "reports.compliance_export",
    "reports.assignments_export",
    "reports.quizzes_export",
    "reports.quiz_results_export",
}
#: codes that must never be shown as words (each feature shows a translated label instead)
RAW_CODES = (
    # question types, statuses and import actions
    "truefalse",
    "shortanswer",
    "numerical",
    "matching",
    "essay",
    "new_version",
    # quizzes: review options, grading methods, attempt states
    "immediately",
    "in_progress",
    "awaiting_grading",
    "abandoned",
    "highest",
    # courses: enrolment statuses, due rules, assignment targets, sources
    "not_started",
    "expiring_soon",
    "after_assignment",
    "after_hire",
    "job_role",
    "course_completion",
    "service_quality",
    # roles
    "staff",
    "trainer",
    "hr",
)
#: visible English words that are data, not interface (the product's and a standard's names)
ALLOWED_ENGLISH = {"SkillGrid", "English", "XLSX", "CSV", "YAML", "GIFT", "Moodle", "API"}


class _Visible(HTMLParser):
    """The words a person reads or hears, piece by piece: text outside scripts and styles, and
    the attributes shown or spoken (title, aria-label, placeholder, alt, button values).

    Left out: code (``<code>``, ``<pre>``, ``<kbd>``, ``<samp>``), which shows what a file or a
    command must say literally (column names, keys, scopes) in any language, and what a form
    field holds (``<textarea>``), which is data being edited (e.g. a name in English).
    """

    SPOKEN = ("title", "aria-label", "placeholder", "alt")
    UNREAD = ("script", "style", "template", "code", "pre", "kbd", "samp", "textarea")

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.hidden = 0

    def handle_starttag(self, tag, attrs):
        if tag in self.UNREAD:
            self.hidden += 1
        values = dict(attrs)
        self.parts += [values[name] or "" for name in self.SPOKEN if name in values]
        if tag == "input" and values.get("type") in ("submit", "button"):
            self.parts.append(values.get("value") or "")

    def handle_endtag(self, tag):
        if tag in self.UNREAD and self.hidden:
            self.hidden -= 1

    def handle_data(self, data):
        if not self.hidden and data.strip():
            self.parts.append(" ".join(data.split()))


def visible_pieces(html: str) -> list[str]:
    """The page's visible and spoken pieces of text (one per text node or attribute)."""
    parser = _Visible()
    parser.feed(html)
    return [part for part in parser.parts if part.strip()]


def _english_phrases() -> tuple[list[re.Pattern], set[str]]:
    """The catalogue's phrases translated differently from their English: a pattern per fixed
    piece (placeholders cut out) of two words or more, found anywhere in a piece of the page,
    and the single words, found when they are a whole piece of the page ("Draft")."""
    with PO.open("rb") as handle:
        catalogue = read_po(handle)
    phrases, words = set(), set()
    for message in catalogue:
        if not message.id or not message.string:
            continue
        msgid = message.id if isinstance(message.id, str) else message.id[0]
        msgstr = message.string if isinstance(message.string, str) else message.string[0]
        if msgid == msgstr:
            continue
        for piece in re.split(r"%\(\w+\)[sdr]|%%|\n", msgid):
            piece = piece.strip(" .,:;()…?!'\"“”-/")
            found = re.findall(r"[A-Za-z]+", piece)
            if not found or piece in ALLOWED_ENGLISH or not re.fullmatch(r"[ -~]+", piece):
                continue
            if re.fullmatch(r"[a-z]+(_[a-z]+)+", piece):
                continue  # a file's column or key (employee_no): literal in any language
            if len(found) >= 2:
                phrases.add(piece)
            elif len(piece) >= 2:
                words.add(piece)
    patterns = [re.compile(r"(?<![A-Za-z])" + re.escape(p) + r"(?![A-Za-z])") for p in phrases]
    return patterns, words


def _raw_codes() -> re.Pattern:
    return re.compile(r"(?<![A-Za-z0-9_@./-])(" + "|".join(RAW_CODES) + r")(?![A-Za-z0-9_@.-])")


def _demo_values(app, db) -> dict[str, dict[str, object]]:
    """Real values for the URL arguments, per blueprint (``code`` differs by feature)."""
    from app.bank.models import Question, QuestionVersion
    from app.competencies.models import Competency
    from app.courses.models import Activity, Certificate, Course, Enrolment
    from app.org.models import JobRole, User
    from app.quality.models import Indicator, Score, ScoreBatch, ScoreContest
    from app.quizzes.models import Attempt, AttemptSlot

    with app.app_context():
        first = db.session.scalar
        staff = first(select(User).where(User.employee_no == DEMO_ACCOUNTS["staff"]))
        finished = first(select(Attempt).where(Attempt.state == "finished").order_by(Attempt.id))
        essay_slot = first(select(AttemptSlot).where(AttemptSlot.needs_grading.is_(True)))
        question = first(
            select(Question)
            .join(QuestionVersion, QuestionVersion.question_id == Question.id)
            .where(QuestionVersion.qtype == "single")
            .order_by(Question.id)
        )
        # a course with an offline session: its activity pages and its attendance page
        activity = first(select(Activity).where(Activity.kind == "session").order_by(Activity.id))
        course = first(select(Course).where(Course.id == activity.course_id))
        certificate = first(select(Certificate).order_by(Certificate.id))
        common = {
            "user_id": staff.id,
            "quiz_id": finished.quiz_id,
            "attempt_id": finished.id,
            "slot_id": essay_slot.id if essay_slot else 1,
            "key": question.key,
            "number": 1,
            "course_id": course.id,
            "activity_id": activity.id,
            "certificate_id": certificate.id if certificate else 1,
            "role_code": first(select(JobRole.code).order_by(JobRole.id)),
            "kind": "lesson",
            "fmt": "xlsx",
        }
        batch = first(select(ScoreBatch.id).order_by(ScoreBatch.id))
        score = first(select(Score.id).order_by(Score.id))
        return {
            "": common,
            "competencies": {"code": first(select(Competency.code).order_by(Competency.code))},
            "quality": {
                "code": first(select(Indicator.code).order_by(Indicator.code)),
                "batch_id": batch or 1,
                "score_id": score or 1,
                "contest_id": first(select(ScoreContest.id).order_by(ScoreContest.id)) or 1,
            },
            "courses": {
                "code": certificate.code if certificate else "x",
                "enrolment": first(select(Enrolment.id)),
            },
        }


def _english_names(app, db) -> list[re.Pattern]:
    """The English names of the job roles: a Chinese page names a role in Chinese only
    ("CTR 营业厅柜员", never "CTR 营业厅柜员 / Service hall counter clerk")."""
    from app.org.models import JobRole

    with app.app_context():
        names = db.session.scalars(select(JobRole.name_en)).all()
    return [re.compile(re.escape(name)) for name in names if name]


def _url(rule, values: dict) -> str | None:
    blueprint = rule.endpoint.split(".")[0]
    mine = {**values[""], **values.get(blueprint, {})}
    arguments = {}
    for name in rule.arguments:
        if name not in mine:
            return None
        arguments[name] = mine[name]
    return rule.build(arguments)[1]


def _sign_in(client, app, db, role: str) -> None:
    from app.org.models import User

    with app.app_context():
        user = db.session.scalar(select(User).where(User.employee_no == DEMO_ACCOUNTS[role]))
        token = user.session_token
    with client.session_transaction() as session:
        session.clear()
        session["_user_id"] = token
        session["_fresh"] = True


def _every_page(app):
    """(endpoint, rule) of every HTML page a browser can open with GET."""
    pages = []
    for rule in app.url_map.iter_rules():
        if "GET" not in rule.methods or rule.rule.startswith("/static"):
            continue
        if rule.endpoint.startswith("bootstrap.") or rule.endpoint in NOT_PAGES:
            continue
        if getattr(app.view_functions[rule.endpoint], "access", None) == "api":
            continue
        pages.append(rule)
    return sorted(pages, key=lambda r: r.rule)


def test_every_page_in_chinese_has_no_english_phrase_or_raw_code(seeded_demo, db):
    app, client = seeded_demo.app, seeded_demo.client()
    values = _demo_values(app, db)
    (phrases, words), codes = _english_phrases(), _raw_codes()
    phrases += _english_names(app, db)
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "zh-CN,zh;q=0.9"
    assert _get_pages  # the same walk as tests/test_pages.py, with real ids
    rendered: dict[str, set[str]] = {}
    built: set[str] = set()
    found: list[str] = []
    for role in ROLE_FIXTURES:
        _sign_in(client, app, db, role)
        for rule in _every_page(app):
            if rule.endpoint in EXPECTED and role not in EXPECTED[rule.endpoint]:
                continue
            url = _url(rule, values)
            if url is None:
                continue  # an object the demo does not make (its feature's tests cover it)
            built.add(rule.endpoint)
            response = client.get(url, follow_redirects=True)
            if response.status_code != 200:
                continue
            rendered.setdefault(rule.endpoint, set()).add(role)
            if response.mimetype != "text/html":
                continue  # JSON, CSV, a script: no words to read
            pieces = visible_pieces(response.get_data(as_text=True))
            for piece in pieces:
                bare = piece.strip(" .,:;()…?!·|'\"“”-/")
                if bare in words:
                    found.append(f"{role} {url}: English {bare!r}")
                for pattern in phrases:
                    match = pattern.search(piece)
                    if match:
                        found.append(f"{role} {url}: English {match.group(0)!r} in {piece!r}")
                for match in codes.finditer(piece):
                    found.append(f"{role} {url}: raw code {match.group(0)!r} in {piece!r}")
    missing = sorted(built - set(rendered))
    assert (sorted(set(found)), missing) == ([], []), "\n".join(
        [*sorted(set(found)), f"pages never rendered in Chinese: {missing}"]
    )
