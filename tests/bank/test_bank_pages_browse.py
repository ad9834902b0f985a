"""Browsing the bank: the category tree, filters, sorting, bulk actions, constant queries, and
staff kept out of every bank page."""

import re

import pytest
from sqlalchemy import func, select

from app.bank.models import Question, QuestionVersion
from app.core.models import AuditEvent
from tests.bank.conftest import form_values
from tests.bank.test_import_service import EVERY_TYPE, SINGLE


def _questions(*specs):
    """YAML with one true/false question per (key, name, category, difficulty, tags)."""
    return "questions:\n" + "".join(
        f"""  - id: {key}
    qtype: truefalse
    name: {name}
    category: {category}
    questiontext: {name}的题干
    difficulty: {difficulty}
    tags: [{", ".join(tags)}]
    correct: true
"""
        for key, name, category, difficulty, tags in specs
    )


BANK = _questions(
    ("b-1", "乙题", "服务规范", 2, ["承诺"]),
    ("b-2", "甲题", "服务规范/十项承诺", 3, ["承诺", "时限"]),
    ("b-3", "丙题", "服务规范-旧", 1, []),
    ("b-4", "丁题", "安全", 2, ["安规"]),
)


def _names(page: str) -> list[str]:
    table = re.search(r'data-testid="bank-list".*?</table>', page, re.S).group(0)
    return re.findall(r'<a href="/bank/questions/[^"]+">([^<]+)</a>', table)


def _category_id(app, db, full_name):
    from app.bank.models import Category

    with app.app_context():
        return db.session.scalar(select(Category.id).where(Category.full_name == full_name))


def test_the_tree_lists_children_under_their_parent_with_subtree_counts(
    client, login_as, import_yaml
):
    import_yaml(BANK, name="bank.yaml")
    login_as("trainer")
    page = client.get("/bank/").get_data(as_text=True)
    tree = re.search(r'data-testid="category-tree".*?</nav>', page, re.S).group(0)
    entries = re.findall(r"class=\"indent-(\d)\">\s*<a[^>]*>([^<]+)</a>\s*<span[^>]*>(\d+)<", tree)
    assert entries == [
        ("1", "安全", "1"),
        ("1", "服务规范", "2"),
        ("2", "十项承诺", "1"),
        ("1", "服务规范-旧", "1"),
    ]


def test_a_category_shows_its_subcategories_too(app, db, client, login_as, import_yaml):
    import_yaml(BANK, name="bank.yaml")
    login_as("trainer")
    category = _category_id(app, db, "服务规范")
    page = client.get("/bank/", query_string={"category": category}).get_data(as_text=True)
    assert sorted(_names(page)) == ["乙题", "甲题"]
    assert 'aria-current="true" class="fw-bold">服务规范<' in page


@pytest.mark.parametrize(
    ("sort", "direction", "expected"),
    [
        ("name", "asc", ["丁题", "丙题", "乙题", "甲题"]),
        ("name", "desc", ["甲题", "乙题", "丙题", "丁题"]),
        ("difficulty", "asc", ["丙题", "乙题", "丁题", "甲题"]),
        ("difficulty", "desc", ["甲题", "乙题", "丁题", "丙题"]),
    ],
)
def test_the_list_sorts(client, login_as, import_yaml, sort, direction, expected):
    import_yaml(BANK, name="bank.yaml")
    login_as("trainer")
    page = client.get("/bank/", query_string={"sort": sort, "dir": direction})
    assert _names(page.get_data(as_text=True)) == expected


def test_sorting_by_type_and_by_last_change(app, db, client, login_as, import_yaml):
    from datetime import UTC, datetime

    from app.core import clock

    clock.freeze(datetime(2026, 1, 1, tzinfo=UTC))
    import_yaml(SINGLE)
    clock.freeze(datetime(2026, 2, 1, tzinfo=UTC))
    import_yaml(EVERY_TYPE["essay"], name="e.yaml")
    login_as("trainer")
    by_type = client.get("/bank/", query_string={"sort": "type"}).get_data(as_text=True)
    assert _names(by_type) == ["投诉处理", "居民办电时间"]  # essay < single
    newest = client.get("/bank/", query_string={"sort": "updated", "dir": "desc"})
    assert _names(newest.get_data(as_text=True)) == ["投诉处理", "居民办电时间"]
    assert 'aria-sort="descending"' in newest.get_data(as_text=True)


def test_tag_text_and_difficulty_filters(client, login_as, import_yaml):
    import_yaml(BANK, name="bank.yaml")
    login_as("trainer")
    assert sorted(_names(client.get("/bank/?tag=承诺").get_data(as_text=True))) == ["乙题", "甲题"]
    assert _names(client.get("/bank/?q=丁题的").get_data(as_text=True)) == ["丁题"]
    assert _names(client.get("/bank/?difficulty=3").get_data(as_text=True)) == ["甲题"]
    page = client.get("/bank/?tag=nothing").get_data(as_text=True)
    assert "0 questions" in page and "No questions match." in page


def _bulk(client, page, ids, **changes):
    data = form_values(page, "bulk-form", **changes)
    for question_id in ids:
        data.add("ids", str(question_id))
    return client.post("/bank/bulk", data=data)


def _ids(app, db, *keys):
    with app.app_context():
        rows = db.session.execute(select(Question.key, Question.id).where(Question.key.in_(keys)))
        found = dict(rows.all())
    return [found[key] for key in keys]


def test_bulk_move_retire_and_tag_audit_each_change_and_make_no_version(
    app, db, client, login_as, import_yaml
):
    import_yaml(BANK, name="bank.yaml")
    trainer = login_as("trainer")
    page = client.get("/bank/?category=").get_data(as_text=True)
    ids = _ids(app, db, "b-1", "b-2")
    moved = _bulk(client, page, ids, bulk_action="move", bulk_category="归档/2026")
    assert moved.status_code == 302 and moved.headers["Location"].startswith("/bank/?")
    assert "2 of 2 questions changed." in client.get("/bank/").get_data(as_text=True)
    _bulk(client, page, ids, bulk_action="retire")
    _bulk(client, page, ids, bulk_action="tag", bulk_tag="复核")
    _bulk(client, page, _ids(app, db, "b-2"), bulk_action="untag", bulk_tag="承诺")
    with app.app_context():
        questions = {
            q.key: q for q in db.session.scalars(select(Question).where(Question.id.in_(ids)))
        }
        assert {q.category.full_name for q in questions.values()} == {"归档/2026"}
        assert {q.status for q in questions.values()} == {"retired"}
        assert questions["b-1"].tags == ["承诺", "复核"]
        assert questions["b-2"].tags == ["时限", "复核"]
        assert db.session.scalar(select(func.count()).select_from(QuestionVersion)) == 4
        actions = db.session.scalars(
            select(AuditEvent.action).where(AuditEvent.actor_id == trainer.id)
        ).all()
    assert sorted(actions) == sorted(
        ["question.move"] * 2 + ["question.retire"] * 2 + ["question.tag"] * 2 + ["question.untag"]
    )


def test_bulk_changes_only_what_differs(app, db, client, login_as, import_yaml):
    import_yaml(BANK, name="bank.yaml")
    login_as("trainer")
    page = client.get("/bank/").get_data(as_text=True)
    _bulk(client, page, _ids(app, db, "b-1", "b-2"), bulk_action="tag", bulk_tag="时限")
    assert "1 of 2 questions changed." in client.get("/bank/").get_data(as_text=True)


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"bulk_action": "retire", "ids": []}, "Select at least one question."),
        ({"bulk_action": ""}, "Choose what to do with the selected questions."),
        ({"bulk_action": "move", "bulk_category": "a//b"}, "Give the category to move them to"),
        ({"bulk_action": "tag", "bulk_tag": " "}, "Give a tag of 1 to 100 characters."),
    ],
)
def test_bulk_says_what_is_missing(app, db, client, login_as, import_yaml, changes, message):
    import_yaml(BANK, name="bank.yaml")
    login_as("trainer")
    page = client.get("/bank/").get_data(as_text=True)
    ids = [] if "ids" in changes else _ids(app, db, "b-1")
    changes.pop("ids", None)
    response = _bulk(client, page, ids, **changes)
    assert message in client.get(response.headers["Location"]).get_data(as_text=True)
    with app.app_context():
        # the import only: a row per question and one for the file
        assert db.session.scalar(select(func.count()).select_from(AuditEvent)) == 5


def test_bulk_needs_the_csrf_token(app, db, make_app, make_user, import_yaml):
    from tests.browser.fixtures import LiveConfig

    import_yaml(BANK, name="bank.yaml")
    live = make_app(LiveConfig)
    trainer = make_user(("trainer",), department=None, job_role=None)
    client = live.test_client()
    with client.session_transaction() as session:
        session["_user_id"] = trainer.session_token
    ids = [str(i) for i in _ids(app, db, "b-1")]
    refused = client.post("/bank/bulk", data={"bulk_action": "retire", "ids": ids})
    assert refused.status_code == 400
    page = client.get("/bank/").get_data(as_text=True)
    accepted = _bulk(client, page, ids, bulk_action="retire")
    assert accepted.status_code == 302
    with app.app_context():
        assert db.session.scalar(select(Question.status).where(Question.key == "b-1")) == "retired"


def test_list_queries_do_not_grow_with_categories_tags_or_questions(
    client, login_as, import_yaml, count_queries
):
    login_as("trainer")
    import_yaml(BANK, name="bank.yaml")
    with count_queries() as small:
        assert client.get("/bank/?sort=updated&dir=desc").status_code == 200
    many = _questions(
        *[
            (f"m-{i}", f"题{i}", f"生成/类{i % 7}/子{i % 3}", 1 + i % 3, [f"t{i}"])
            for i in range(60)
        ]
    )
    import_yaml(many, name="many.yaml")
    with count_queries() as large:
        page = client.get("/bank/?sort=updated&dir=desc").get_data(as_text=True)
    assert "64 questions" in page
    assert large.n == small.n, large.statements


#: every bank page of the trainers (issue 7 and the read-only ones before it)
BANK_PAGES = (
    "bank.index",
    "bank.question",
    "bank.version",
    "bank.bulk",
    "bank.new_question",
    "bank.edit_question",
    "bank.preview_text",
    "bank.try_question",
    "bank.history",
    "bank.import_questions",
    "bank.import_confirm",
    "bank.export",
)


def _bank_urls(app):
    """Every bank page with a real question key, by GET and by POST where it takes one."""
    urls = []
    for rule in app.url_map.iter_rules():
        if rule.endpoint not in BANK_PAGES:
            continue
        url = rule.rule.replace("<key>", "t-single").replace("<int:number>", "1")
        for method in ("GET", "POST"):
            if method in rule.methods:
                urls.append((method, url))
    return sorted(set(urls))


def test_staff_are_refused_every_bank_page(app, client, login_as, import_yaml):
    import_yaml(SINGLE)
    login_as("staff")
    urls = _bank_urls(app)
    assert len({url for _m, url in urls}) == len(BANK_PAGES)
    for method, url in urls:
        response = client.open(url, method=method)
        assert response.status_code == 403, (method, url)
    assert "Question bank" not in client.get("/home").get_data(as_text=True)


def test_bulk_mark_ready_readies_imported_drafts(app, db, client, login_as, import_yaml):
    import_yaml(BANK, name="bank.yaml")  # imported questions arrive as drafts
    login_as("trainer")
    page = client.get("/bank/").get_data(as_text=True)
    assert '<option value="ready">Mark ready</option>' in page
    ids = _ids(app, db, "b-1", "b-2")
    with app.app_context():
        before = {q.key: q.status for q in db.session.scalars(select(Question))}
    _bulk(client, page, ids, bulk_action="ready")
    with app.app_context():
        after = {q.key: q.status for q in db.session.scalars(select(Question))}
        actions = db.session.scalars(select(AuditEvent.action)).all()
    assert after["b-1"] == after["b-2"] == "ready"
    changed = sum(1 for key in ("b-1", "b-2") if before[key] != "ready")
    assert actions.count("question.ready") == changed
