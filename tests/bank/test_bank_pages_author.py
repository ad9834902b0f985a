"""Authoring in the browser forms: every type, the file reader's messages, rows, look-alikes,
and the version rule (a content change makes a version; status, tags, category do not)."""

import re
import textwrap

import pytest
from sqlalchemy import func, select

from app.bank import services
from app.bank.formats import parse_yaml
from app.bank.models import Question, QuestionVersion
from app.core.models import AuditEvent
from tests.bank.conftest import form_values
from tests.bank.test_import_service import SINGLE

QTYPE_NAMES = (
    "single",
    "multiple",
    "truefalse",
    "shortanswer",
    "numerical",
    "matching",
    "essay",
    "description",
)

#: what a trainer types for one question of each type (on top of the blank form)
TYPED = {
    "single": {
        "answers-0-text": "5个工作日",
        "answers-0-fraction": "1",
        "answers-0-feedback": "正确",
        "answers-1-text": "10个工作日",
        "answers-1-fraction": "-0.5",
        "answernumbering": "ABCD",
    },
    "multiple": {
        "answers-0-text": "不准违规停电",
        "answers-0-fraction": "0.5",
        "answers-1-text": "不准接受宴请",
        "answers-1-fraction": "0.5",
        "answers-2-text": "可以收取礼金",
        "answers-2-fraction": "-1",
    },
    "truefalse": {"correct": "false", "truefeedback": "不对", "falsefeedback": "对"},
    "shortanswer": {
        "answers-0-text": "首问负责制",
        "answers-0-fraction": "1",
        "answers-1-text": "*首问*",
        "answers-1-fraction": "0.5",
    },
    "numerical": {
        "answers-0-text": "45",
        "answers-0-fraction": "1",
        "answers-0-tolerance": "5",
        "units-0-unit": "分钟",
        "units-0-multiplier": "1",
    },
    "matching": {
        "subquestions-0-text": "CTR",
        "subquestions-0-answer": "营业厅柜员",
        "subquestions-1-text": "CC",
        "subquestions-1-answer": "客服座席",
        "subquestions-2-answer": "干扰项",
    },
    "essay": {"graderinfo": "受理、调查、答复、回访", "maxwordlimit": "300", "defaultmark": "10"},
    "description": {},
}


def _new_form(client, qtype, **typed):
    page = client.get(f"/bank/questions/new?qtype={qtype}").get_data(as_text=True)
    base = {
        "name": f"表单{qtype}",
        "category": "培训/表单",
        "questiontext": f"表单创建的{qtype}题干",
        "tags": "表单, 新题",
        "competencies": ["SV1", "CM3"],
    }
    return form_values(page, "question-form", **{**base, **TYPED[qtype], **typed})


def _version_count(app, db):
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(QuestionVersion))


def _latest(app, db, key):
    with app.app_context():
        question = db.session.scalar(select(Question).where(Question.key == key))
        version = question.versions[-1]
        return (
            question.status,
            question.tags,
            question.category.full_name,
            version.to_data(),
            (
                version.number,
                version.author_id,
            ),
        )


def test_new_question_starts_by_choosing_its_type(client, login_as):
    login_as("trainer")
    page = client.get("/bank/questions/new").get_data(as_text=True)
    for name in QTYPE_NAMES:
        assert f"/bank/questions/new?qtype={name}" in page
    assert "the best must be worth 100%" in page


@pytest.mark.parametrize("qtype", QTYPE_NAMES)
def test_every_form_ties_a_label_to_each_field(client, login_as, qtype):
    login_as("trainer")
    page = client.get(f"/bank/questions/new?qtype={qtype}").get_data(as_text=True)
    fields = re.findall(r"<(input|select|textarea)([^>]*)>", page)
    checked = 0
    for _tag, attributes in fields:
        field_id = re.search(r'\bid="([^"]+)"', attributes)
        if field_id is None or re.search(r'type="(hidden|submit)"', attributes):
            continue
        if "aria-label=" in attributes:
            continue
        assert f'for="{field_id.group(1)}"' in page, field_id.group(1)
        checked += 1
    assert checked >= 10


@pytest.mark.parametrize("qtype", QTYPE_NAMES)
def test_trainer_authors_every_type(app, db, client, login_as, qtype):
    trainer = login_as("trainer")
    response = client.post(f"/bank/questions/new?qtype={qtype}", data=_new_form(client, qtype))
    assert response.status_code == 302, response.get_data(as_text=True)
    key = response.headers["Location"].rsplit("/", 1)[1]
    assert key.startswith("q-")
    status, tags, category, data, (number, author) = _latest(app, db, key)
    assert (status, tags, category, number, author) == (
        "draft",
        ["表单", "新题"],
        "培训/表单",
        1,
        trainer.id,
    )
    assert data.qtype == qtype and data.competencies == ["SV1", "CM3"]
    assert data.questiontext == f"表单创建的{qtype}题干"
    with app.app_context():
        assert db.session.scalar(select(AuditEvent.action)) == "question.create"
    # What the form saved is a valid question: exported and read back, it is the same.
    with app.app_context():
        text = services.export_file(None, "yaml").payload.decode()
    parsed, problems = parse_yaml(text, "export.yaml")
    assert problems == [] and parsed[0].data == data.data


def test_each_type_keeps_what_was_typed(app, db, client, login_as):
    login_as("trainer")
    saved = {}
    for qtype in ("single", "numerical", "matching", "truefalse"):
        response = client.post(f"/bank/questions/new?qtype={qtype}", data=_new_form(client, qtype))
        saved[qtype] = _latest(app, db, response.headers["Location"].rsplit("/", 1)[1])[3].data
    single = saved["single"]
    assert [(a["text"], a["fraction"]) for a in single["answers"]] == [
        ("5个工作日", 1.0),
        ("10个工作日", -0.5),
    ], "blank rows are left out"
    assert single["answernumbering"] == "ABCD" and single["answers"][0]["feedback"] == "正确"
    assert saved["numerical"]["answers"][0]["tolerance"] == 5.0
    assert saved["numerical"]["units"] == [{"unit": "分钟", "multiplier": 1.0}]
    assert saved["matching"]["subquestions"][2] == {"text": "", "answer": "干扰项"}
    assert saved["truefalse"]["correct"] is False


def test_a_given_id_is_kept_and_a_taken_one_is_refused(app, db, client, login_as, import_yaml):
    import_yaml(SINGLE)
    login_as("trainer")
    response = client.post(
        "/bank/questions/new?qtype=single", data=_new_form(client, "single", key="sv1-form-01")
    )
    assert response.headers["Location"].endswith("/bank/questions/sv1-form-01")
    refused = client.post(
        "/bank/questions/new?qtype=single",
        data=_new_form(client, "single", key="t-single", name="另一个"),
    )
    assert refused.status_code == 422
    page = refused.get_data(as_text=True)
    assert "The id &#39;t-single&#39; is already used by another question" in page
    assert 'id="key-errors"' in page
    assert _version_count(app, db) == 2


def test_single_choice_needs_a_full_mark_answer_as_a_file_does(app, db, client, login_as):
    login_as("trainer")
    data = _new_form(client, "single", **{"answers-0-fraction": "0.5"})
    response = client.post("/bank/questions/new?qtype=single", data=data)
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "one of the answers must have fraction 1 (100%); the best has 0.5" in page
    assert "Nothing was saved" in page
    assert "5个工作日" in page and "10个工作日" in page, "what was typed stays"
    assert _version_count(app, db) == 0


def test_a_negative_tolerance_is_marked_on_its_field(client, login_as):
    login_as("trainer")
    data = _new_form(client, "numerical", **{"answers-0-tolerance": "-1"})
    page = client.post("/bank/questions/new?qtype=numerical", data=data).get_data(as_text=True)
    field = re.search(r'<input[^>]*id="answers-0-tolerance"[^>]*>', page).group(0)
    assert 'aria-invalid="true"' in field and "answers-0-tolerance-errors" in field
    errors = re.search(r'id="answers-0-tolerance-errors".*?</div>\s*</div>', page, re.S).group(0)
    assert "answer 1: the tolerance cannot be negative" in errors


def test_a_grade_off_moodles_list_is_refused(client, login_as):
    login_as("trainer")
    data = _new_form(client, "shortanswer", **{"answers-1-fraction": "0.55"})
    page = client.post("/bank/questions/new?qtype=shortanswer", data=data).get_data(as_text=True)
    assert "answer 2: fraction 0.55 is not one of Moodle&#39;s grade options" in page


def test_grade_options_are_moodles_and_negatives_only_where_allowed(client, login_as):
    login_as("trainer")
    single = client.get("/bank/questions/new?qtype=single").get_data(as_text=True)
    short = client.get("/bank/questions/new?qtype=shortanswer").get_data(as_text=True)
    select = re.search(r'<select[^>]*id="answers-0-fraction".*?</select>', single, re.S).group(0)
    assert '<option selected value="0">0%</option>' in select, "a new row starts at 0%"
    for label in ("100%", "83.33333%", "33.33333%", "14.28571%", "5%", "-50%", "-100%"):
        assert f">{label}<" in select
    short_select = re.search(r'<select[^>]*id="answers-0-fraction".*?</select>', short, re.S)
    assert "-50%" not in short_select.group(0)


def test_form_messages_are_the_yaml_readers(client, login_as):
    login_as("trainer")
    data = _new_form(
        client,
        "multiple",
        name="",
        **{"answers-1-fraction": "0.3333333", "answers-2-text": ""},
        competencies=["SV1"],
        tags="甲, 甲",
    )
    page = client.post("/bank/questions/new?qtype=multiple", data=data).get_data(as_text=True)
    yaml = textwrap.dedent(
        """\
        questions:
          - qtype: multiple
            name: ''
            questiontext: x
            tags: [甲, 甲]
            answers:
              - {text: 不准违规停电, fraction: 0.5}
              - {text: 不准接受宴请, fraction: 0.3333333}
              - {text: '', fraction: -1}
        """
    )
    _questions, problems = parse_yaml(yaml, "same.yaml")
    assert len(problems) == 4
    for problem in problems:
        # the same words, a file's key ('name') named by its label on the form
        message = problem.message.replace("'name'", "'Question name'")
        assert message.replace("'", "&#39;") in page, message
    assert "&#39;name&#39;" not in page


def test_form_messages_name_fields_by_their_labels_not_their_keys(client, login_as):
    login_as("trainer")
    data = _new_form(client, "truefalse", name="", defaultmark="-1")
    page = client.post(
        "/bank/questions/new?qtype=truefalse", data=data, headers={"Accept-Language": "zh-CN"}
    ).get_data(as_text=True)
    assert "缺少“题目名称”" in page and "“name”" not in page
    assert "“defaultmark”" not in page and "“默认分值”不能为负数" in page


def test_a_message_points_at_the_row_it_is_about(client, login_as):
    login_as("trainer")
    data = _new_form(
        client,
        "single",
        **{"answers-0-text": "", "answers-0-fraction": "0", "answers-0-feedback": ""},
        **{"answers-2-text": "", "answers-2-fraction": "1"},
    )
    page = client.post("/bank/questions/new?qtype=single", data=data).get_data(as_text=True)
    field = re.search(r'<textarea[^>]*id="answers-2-text"[^>]*>', page).group(0)
    assert 'aria-invalid="true"' in field
    assert '<a href="#answers-2-text">' in page


def test_more_answers_without_the_script_keeps_what_was_typed(app, db, client, login_as):
    login_as("trainer")
    data = _new_form(client, "single", row_action="add:answers")
    response = client.post("/bank/questions/new?qtype=single", data=data)
    page = response.get_data(as_text=True)
    assert response.status_code == 200 and _version_count(app, db) == 0
    assert 'id="answers-5-text"' in page and 'id="answers-6-text"' not in page
    assert ">\r\n5个工作日</textarea>" in page and "表单创建的single题干" in page


def test_rows_move_and_go_without_the_script(client, login_as):
    login_as("trainer")
    data = _new_form(client, "single", row_action="down:answers:0")
    page = client.post("/bank/questions/new?qtype=single", data=data).get_data(as_text=True)
    first = re.search(r'id="answers-0-text"[^>]*>\r\n([^<]*)<', page).group(1)
    second = re.search(r'id="answers-1-text"[^>]*>\r\n([^<]*)<', page).group(1)
    assert (first, second) == ("10个工作日", "5个工作日")
    assert (
        re.search(r'<select[^>]*id="answers-0-fraction".*?</select>', page, re.S)
        .group(0)
        .count('selected value="-0.5"')
    )
    removed = form_values(page, "question-form", row_action="remove:answers:0")
    page = client.post("/bank/questions/new?qtype=single", data=removed).get_data(as_text=True)
    assert re.search(r'id="answers-0-text"[^>]*>\r\n([^<]*)<', page).group(1) == "5个工作日"
    assert 'id="answers-3-text"' not in page


def test_a_look_alike_is_shown_before_saving_and_can_be_saved_anyway(
    app, db, client, login_as, import_yaml
):
    import_yaml(SINGLE)
    login_as("trainer")
    same_name = _new_form(
        client, "single", name="居民办电时间", category="服务规范/十项承诺", questiontext="新题干"
    )
    response = client.post("/bank/questions/new?qtype=single", data=same_name)
    page = response.get_data(as_text=True)
    assert "This looks like a question the category already has" in page
    assert "/bank/questions/t-single" in page and "same name" in page
    assert _version_count(app, db) == 1
    anyway = form_values(page, "question-form", save_anyway="1")
    assert client.post("/bank/questions/new?qtype=single", data=anyway).status_code == 302
    assert _version_count(app, db) == 2


def test_near_identical_text_warns_in_the_same_category_only(client, login_as, import_yaml):
    import_yaml(SINGLE)
    login_as("trainer")
    text = "居民客户全过程办电时间不超过几个工作日?"  # one character differs
    near = _new_form(client, "single", category="服务规范/十项承诺", questiontext=text)
    page = client.post("/bank/questions/new?qtype=single", data=near).get_data(as_text=True)
    assert "the same text" in page and "/bank/questions/t-single" in page
    elsewhere = _new_form(client, "single", category="别处", questiontext=text)
    assert client.post("/bank/questions/new?qtype=single", data=elsewhere).status_code == 302


def test_saving_an_edit_unchanged_makes_no_version(app, db, client, login_as, import_yaml):
    import_yaml(SINGLE)
    login_as("trainer")
    page = client.get("/bank/questions/t-single/edit").get_data(as_text=True)
    response = client.post("/bank/questions/t-single/edit", data=form_values(page, "question-form"))
    assert response.status_code == 302
    assert "Nothing changed" in client.get(response.headers["Location"]).get_data(as_text=True)
    assert _version_count(app, db) == 1


def test_editing_the_content_makes_a_version_by_the_editor(app, db, client, login_as, import_yaml):
    import_yaml(SINGLE)
    trainer = login_as("trainer")
    page = client.get("/bank/questions/t-single/edit").get_data(as_text=True)
    edited = form_values(page, "question-form", questiontext="居民客户办电最多几个工作日？")
    response = client.post("/bank/questions/t-single/edit", data=edited)
    assert "Saved as version 2" in client.get(response.headers["Location"]).get_data(as_text=True)
    _status, _tags, _cat, data, (number, author) = _latest(app, db, "t-single")
    assert (number, author, data.questiontext) == (2, trainer.id, "居民客户办电最多几个工作日？")
    with app.app_context():
        event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "question.edit"))
        assert event.actor_id == trainer.id and event.after["changes"] == ["questiontext"]
        old = db.session.scalar(select(QuestionVersion).where(QuestionVersion.number == 1))
        assert old.questiontext == "居民客户全过程办电时间不超过几个工作日？", "v1 is untouched"


def test_status_tags_and_category_change_without_a_version(app, db, client, login_as, import_yaml):
    import_yaml(SINGLE)
    login_as("trainer")
    page = client.get("/bank/questions/t-single/edit").get_data(as_text=True)
    edited = form_values(page, "question-form", status="retired", tags="旧题", category="归档")
    response = client.post("/bank/questions/t-single/edit", data=edited)
    message = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "The content is the same, so version 1 stays" in message
    status, tags, category, _data, (number, _author) = _latest(app, db, "t-single")
    assert (status, tags, category, number) == ("retired", ["旧题"], "归档", 1)


def test_an_edit_on_top_of_a_newer_version_is_refused(app, db, client, login_as, import_yaml):
    import_yaml(SINGLE)
    login_as("trainer")
    page = client.get("/bank/questions/t-single/edit").get_data(as_text=True)
    import_yaml(SINGLE.replace("不超过几个工作日", "最多几个工作日"))  # someone else saves v2
    stale = form_values(page, "question-form", questiontext="我的改动")
    response = client.post("/bank/questions/t-single/edit", data=stale)
    assert response.status_code == 422
    assert "Someone saved version 2 of this question while you were editing" in (
        response.get_data(as_text=True)
    )
    assert _version_count(app, db) == 2


def test_moodle_details_the_form_does_not_show_survive_an_edit(
    app, db, client, login_as, import_yaml
):
    import_yaml(
        """
        questions:
          - id: t-moodle
            qtype: shortanswer
            name: 来自 Moodle
            questiontext: <p>首问负责制的含义？</p>
            questiontextformat: html
            generalfeedbackformat: moodle
            generalfeedback: 见规定
            correctfeedback: 这段在简答题里不显示
            answers:
              - text: 首问负责
                fraction: 1
                format: plain
                feedback: '<b>对</b>'
                feedbackformat: html
            hints:
              - {text: 想想首问, shownumcorrect: true, format: plain}
              - 第二个提示
        """
    )
    login_as("trainer")
    page = client.get("/bank/questions/t-moodle/edit").get_data(as_text=True)
    response = client.post("/bank/questions/t-moodle/edit", data=form_values(page, "question-form"))
    assert response.status_code == 302
    assert _version_count(app, db) == 1, "the hidden formats, hints and feedback round-trip"


def test_the_preview_returns_sanitised_html(client, login_as):
    login_as("trainer")
    markdown = client.post(
        "/bank/preview", json={"text": "**电价** <script>alert(1)</script>", "format": "markdown"}
    ).get_json()
    assert "<strong>电价</strong>" in markdown["html"] and "<script" not in markdown["html"]
    html = client.post(
        "/bank/preview", json={"text": '<img src="x.png" onerror="alert(1)">', "format": "html"}
    ).get_json()
    assert "<img" in html["html"] and "onerror" not in html["html"]
    assert client.post("/bank/preview", data={}).get_json() == {"html": ""}


def test_the_preview_needs_the_csrf_token(make_app, make_user):
    from tests.browser.fixtures import LiveConfig

    app = make_app(LiveConfig)
    trainer = make_user(("trainer",), department=None, job_role=None)
    client = app.test_client()
    with client.session_transaction() as session:
        session["_user_id"] = trainer.session_token
    page = client.get("/bank/questions/new?qtype=single").get_data(as_text=True)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
    assert client.post("/bank/preview", json={"text": "x"}).status_code == 400
    allowed = client.post("/bank/preview", json={"text": "x"}, headers={"X-CSRFToken": token})
    assert allowed.status_code == 200 and allowed.get_json() == {"html": "<p>x</p>\n"}


def test_a_text_over_64_kb_is_refused_on_its_field(app, db, client, login_as):
    login_as("trainer")
    data = _new_form(client, "truefalse", questiontext="电" * 22_000)
    response = client.post("/bank/questions/new?qtype=truefalse", data=data)
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    errors = re.search(r'id="questiontext-errors".*?</div>\s*</div>', page, re.S).group(0)
    assert "Question text" in errors and "At most 64 KB; this text is 64.5 KB." in errors
    assert _version_count(app, db) == 0
