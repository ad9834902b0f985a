"""Import in the browser (dry run, fix and re-upload, confirm) and export of a category."""

import base64
import io
import textwrap

import pytest
from sqlalchemy import func, select

from app.bank import services
from app.bank.formats import FORMATS, parse_yaml
from app.bank.models import Question, QuestionVersion
from tests.bank.conftest import form_values
from tests.bank.test_import_service import SINGLE

TWO = textwrap.dedent(
    """\
    category: 服务规范/抢修
    questions:
      - id: imp-1
        qtype: truefalse
        name: 到达时限
        questiontext: 城区抢修平均到达现场不超过45分钟。
        correct: true
      - id: imp-2
        qtype: single
        name: 恢复时限
        questiontext: 城区到达现场后平均恢复供电时间？
        answers:
          - {text: 3小时, fraction: 1}
          - {text: 4小时, fraction: 0}
    """
)
BROKEN = TWO.replace("fraction: 1}", "fraction: 0.55}").replace("correct: true", "corect: true")


def _upload(client, text, name="topic.yaml", **fields):
    data = {"file": (io.BytesIO(text.encode("utf-8")), name), "format": "auto", **fields}
    return client.post("/bank/import", data=data, content_type="multipart/form-data")


def _count(app, db, model):
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(model))


def test_an_upload_shows_what_would_happen_and_confirming_imports(app, db, client, login_as):
    login_as("trainer")
    response = _upload(client, TWO)
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "2 created, 0 new versions, 0 updated, 0 unchanged" in page
    assert "topic.yaml:3" in page and "topic.yaml:8" in page and "服务规范/抢修" in page
    assert _count(app, db, Question) == 0, "a dry run writes nothing"
    done = client.post("/bank/import/confirm", data=form_values(page, "confirm-form"))
    assert done.status_code == 302 and done.headers["Location"] == "/bank/"
    assert "Imported: 2 created" in client.get("/bank/").get_data(as_text=True)
    assert _count(app, db, Question) == 2


def test_problems_name_file_and_line_and_a_fixed_file_goes_through(app, db, client, login_as):
    login_as("trainer")
    response = _upload(client, BROKEN, name="抢修.yaml")
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "抢修.yaml:7" in page and "unknown key &#39;corect&#39;" in page
    assert "did you mean &#39;correct&#39;?" in page
    assert "抢修.yaml:13" in page and "fraction 0.55 is not one of Moodle" in page
    assert "<code>corect: true</code>" in page, "the line itself is shown"
    assert 'id="confirm-form"' not in page and _count(app, db, Question) == 0
    fixed = _upload(client, TWO, name="抢修.yaml")
    assert "2 created" in fixed.get_data(as_text=True)


def test_the_confirm_step_checks_the_file_again(app, db, client, login_as, import_yaml):
    login_as("trainer")
    page = _upload(client, TWO).get_data(as_text=True)
    tampered = form_values(
        page, "confirm-form", payload=base64.b64encode(BROKEN.encode()).decode("ascii")
    )
    response = client.post("/bank/import/confirm", data=tampered)
    assert response.status_code == 422 and "Nothing was imported" in response.get_data(as_text=True)
    garbage = form_values(page, "confirm-form", payload="%%%not base64")
    assert client.post("/bank/import/confirm", data=garbage).status_code == 400
    expired = client.post("/bank/import/confirm", data={"filename": "x.yaml"})
    assert expired.status_code == 302
    assert "upload the file again" in client.get("/bank/import").get_data(as_text=True)
    assert _count(app, db, Question) == 0


def test_a_second_upload_reports_versions_updates_and_unchanged(client, login_as, import_yaml):
    import_yaml(TWO)
    login_as("trainer")
    changed = TWO.replace("不超过45分钟", "不超过 45 分钟").replace(
        "qtype: single", "qtype: single\n    status: ready"
    )
    page = _upload(client, changed).get_data(as_text=True)
    assert "0 created, 1 new versions, 1 updated, 0 unchanged" in page
    assert "New version" in page and "Update" in page
    assert "Question text" in page and "Status" in page


def test_a_file_type_must_be_known_unless_a_format_is_chosen(client, login_as):
    login_as("trainer")
    refused = _upload(client, TWO, name="topic.txt")
    assert refused.status_code == 422
    assert "Use a file of one of these types: .yaml, .yml, .json" in refused.get_data(as_text=True)
    chosen = _upload(client, TWO, name="topic.txt", format="yaml")
    assert "2 created" in chosen.get_data(as_text=True)
    missing = client.post("/bank/import", data={"format": "auto"})
    assert "Choose a file to upload." in missing.get_data(as_text=True)


def test_an_upload_can_go_under_a_category(app, db, client, login_as):
    login_as("trainer")
    page = _upload(client, TWO, category="2026培训").get_data(as_text=True)
    assert "2026培训/服务规范/抢修" in page
    client.post("/bank/import/confirm", data=form_values(page, "confirm-form"))
    with app.app_context():
        question = db.session.scalar(select(Question).where(Question.key == "imp-1"))
        assert question.category.full_name == "2026培训/服务规范/抢修"


def test_a_text_file_that_is_not_utf8_is_reported(client, login_as):
    login_as("trainer")
    data = {"file": (io.BytesIO(TWO.encode("gb18030")), "topic.yaml"), "format": "auto"}
    page = client.post("/bank/import", data=data, content_type="multipart/form-data")
    assert page.status_code == 422 and "save it as UTF-8" in page.get_data(as_text=True)


def _category_id(app, db, full_name):
    from app.bank.models import Category

    with app.app_context():
        return db.session.scalar(select(Category.id).where(Category.full_name == full_name))


def test_yaml_export_of_a_category_is_one_file_that_imports_back_unchanged(
    app, db, client, login_as, import_yaml
):
    import_yaml(SINGLE)
    import_yaml(TWO)
    login_as("trainer")
    category = _category_id(app, db, "服务规范")
    response = client.get("/bank/export", query_string={"category": category, "format": "yaml"})
    assert response.status_code == 200
    assert "attachment" in response.headers["Content-Disposition"]
    assert (
        "filename*=UTF-8''%E6%9C%8D%E5%8A%A1%E8%A7%84%E8%8C%83.yaml"
        in (response.headers["Content-Disposition"])
    )
    text = response.get_data(as_text=True)
    assert text.startswith("category: 服务规范\n")
    questions, problems = parse_yaml(text, "export.yaml")
    assert problems == [] and sorted(q.category for q in questions) == [
        "服务规范/十项承诺",
        "服务规范/抢修",
        "服务规范/抢修",
    ]
    again = _upload(client, text, name="export.yaml").get_data(as_text=True)
    assert "0 created, 0 new versions, 0 updated, 3 unchanged" in again


def test_every_format_with_a_writer_downloads(app, db, client, login_as, import_yaml):
    import_yaml(TWO)
    login_as("trainer")
    names = services.writable_formats()
    assert {"yaml", "json"} <= set(names)
    page = client.get("/bank/").get_data(as_text=True)
    for name in names:
        assert f'<option value="{name}">' in page
        response = client.get("/bank/export", query_string={"format": name})
        assert response.status_code == 200, name
        disposition = response.headers["Content-Disposition"]
        assert disposition.endswith("question-bank" + FORMATS[name].extensions[0]), disposition
        assert response.data


def test_exports_of_unknown_formats_and_categories_are_refused(client, login_as):
    login_as("trainer")
    response = client.get("/bank/export", query_string={"format": "docx"})
    assert response.status_code == 302
    assert "Questions cannot be exported as docx." in client.get("/bank/").get_data(as_text=True)
    assert client.get("/bank/export", query_string={"category": 999}).status_code == 404


@pytest.mark.parametrize("name", ["gift", "moodlexml"])
def test_other_formats_are_offered_once_registered(client, login_as, name):
    if name not in FORMATS:
        pytest.skip(f"the {name} format is not registered yet")
    login_as("trainer")
    page = client.get("/bank/import").get_data(as_text=True)
    assert f'<option value="{name}">' in page
    assert all(ext in page for ext in FORMATS[name].extensions)


def test_versions_made_by_import_are_authored_by_the_uploader(app, db, client, login_as):
    trainer = login_as("trainer")
    page = _upload(client, TWO).get_data(as_text=True)
    client.post("/bank/import/confirm", data=form_values(page, "confirm-form"))
    with app.app_context():
        authors = db.session.scalars(select(QuestionVersion.author_id)).all()
    assert authors == [trainer.id, trainer.id]


def test_a_binary_export_uploads_back_unchanged(client, login_as, import_yaml):
    binary = [
        name for name, spec in FORMATS.items() if getattr(spec, "binary", False) and spec.dump
    ]
    if not binary:
        pytest.skip("no binary format is registered")
    import_yaml(TWO)
    login_as("trainer")
    for name in binary:
        exported = client.get("/bank/export", query_string={"format": name})
        filename = "back" + FORMATS[name].extensions[0]
        data = {"file": (io.BytesIO(exported.data), filename), "format": "auto"}
        page = client.post("/bank/import", data=data, content_type="multipart/form-data")
        assert "0 created, 0 new versions, 0 updated, 2 unchanged" in page.get_data(as_text=True), (
            name
        )
        confirm = form_values(page.get_data(as_text=True), "confirm-form")
        assert base64.b64decode(confirm["payload"]) == exported.data, "the bytes travel intact"


GIFT_WITHOUT_IDS = (
    "::到达时限:: 城区抢修平均到达现场不超过45分钟。{T}\n\n恢复供电的时限是？{=3小时 ~4小时}\n"
)


def test_a_gift_preview_shows_the_ids_the_questions_are_stored_with(app, db, client, login_as):
    import re

    login_as("trainer")
    page = _upload(client, GIFT_WITHOUT_IDS, name="抢修.gift").get_data(as_text=True)
    shown = re.findall(r'data-testid="import-key">([^<]+)<', page)
    assert len(shown) == 2 and all(key.startswith("q-") for key in shown)
    assert "assigned" in page
    client.post("/bank/import/confirm", data=form_values(page, "confirm-form"))
    with app.app_context():
        stored = set(db.session.scalars(select(Question.key)))
    assert stored == set(shown)


def test_assigned_ids_already_taken_or_malformed_are_replaced(app, db, import_yaml):
    from app.bank.formats import detect_format  # noqa: F401 - the registry is loaded

    with app.app_context():
        source = services.decode_source(GIFT_WITHOUT_IDS.encode("utf-8"), "a.gift")
        preview = services.import_questions(None, [source], dry_run=True)
        first, second = preview.assigned_keys
        services.import_questions(None, [source], assigned_keys=[first, "<script>"])
        keys = set(db.session.scalars(select(Question.key)))
        assert first in keys and "<script>" not in keys and len(keys) == 2
        other = services.decode_source(b"::New:: another {T}\n", "b.gift")
        report = services.import_questions(None, [other], assigned_keys=[first])
        assert report.items[0].key != first, "a key in use is never given twice"
